/** The `schema_version` every JSON output starts with: raised when a key changes meaning or goes away. */
export const SCHEMA_VERSION = 1;
