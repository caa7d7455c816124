/**
 * An ILLUSTRATIVE monthly-credit plan priced in credits. No provider publishes these numbers
 * (credits per minute, per token, per add-on): they are made up to show how such a plan bills.
 */
export const creditsExample = {
  name: 'credits-example',
  description: 'ILLUSTRATIVE monthly-credit plan, priced in credits (not a published price list)',
  source: 'made up for illustration; modelled on the Callab.ai billing overview',
  provider: 'Example (illustrative)',
  currency: 'credits',
  timezone: 'UTC',
  rounding: { scale: '0', mode: 'up' },
  products: [
    {
      id: 'calls',
      kind: 'transcript',
      unit: 'minute',
      basis: 'audio',
      channels: 'ignore',
      increment: '1',
      default_model: 'standard',
      models: { standard: '1', premium: '2' },
      addons: { speaker_labels: '0.5' },
    },
    {
      id: 'live',
      kind: 'stream',
      unit: 'minute',
      basis: 'session',
      max_session: '10800',
      default_model: 'live',
      models: { live: '1.5' },
    },
    {
      id: 'assistant',
      kind: 'llm',
      unit: '1K tokens',
      default_model: 'assistant',
      models: { assistant: { input: '1', output: '4' } },
    },
  ],
};
