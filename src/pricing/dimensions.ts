/** Reporting dimensions a line can be split by (besides product, model and add-on, always split). */
export const DIMENSIONS = ['project', 'api_key', 'customer', 'day', 'month'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
