/**
 * AssemblyAI list prices as a price history: one version per published change of the model rates
 * (history of fern/pages/getting-started/models.mdx in AssemblyAI/assemblyai-api-spec), then the
 * 2026 changes (facts/PRICES.md: Voice Agent, Sync, gateway retirements, the routing of 2026-09-02).
 * Add-on and LLM gateway prices are those of the pricing reference of 2026-05-29; their earlier
 * history is not published, so the card applies them from the first version on. Not on the card
 * (refused by name until they are): gateway models whose prices are unconfirmed.
 */
const llmModels: Record<string, { input: string; output: string }> = {
  'gpt-5.5': { input: '5', output: '30' },
  'gpt-5.2': { input: '1.75', output: '14' },
  'gpt-5.1': { input: '1.25', output: '10' },
  'gpt-5': { input: '1.25', output: '10' },
  'gpt-5-mini': { input: '0.25', output: '2' },
  'gpt-5-nano': { input: '0.05', output: '0.40' },
  'gpt-4.1': { input: '2', output: '8' },
  'gpt-oss-20b': { input: '0.07', output: '0.30' },
  'gpt-oss-120b': { input: '0.15', output: '0.60' },
  'claude-opus-4.7': { input: '5.50', output: '27.50' },
  'claude-opus-4.6': { input: '5', output: '25' },
  'claude-opus-4.5': { input: '5', output: '25' },
  'claude-sonnet-4.6': { input: '3', output: '15' },
  'claude-sonnet-4.5': { input: '3', output: '15' },
  'claude-haiku-4.5': { input: '1', output: '5' },
  'gemini-3-flash': { input: '0.50', output: '3' },
  'gemini-2.5-pro': { input: '1.25', output: '10' },
  'gemini-2.5-flash': { input: '0.30', output: '2.50' },
  'gemini-2.5-flash-lite': { input: '0.10', output: '0.40' },
  'qwen3-next-80b-a3b': { input: '0.15', output: '1.20' },
  'qwen3-32b': { input: '0.15', output: '0.60' },
  'kimi-k2.5': { input: '0.60', output: '3' },
};

/** The gateway's API ids: dotted versions written with dashes, and the dated Claude ids. */
const llmAliases: Record<string, string> = {
  ...Object.fromEntries(
    Object.keys(llmModels)
      .filter((m) => m.includes('.'))
      .map((m) => [m.replaceAll('.', '-'), m]),
  ),
  'claude-sonnet-4-5-20250929': 'claude-sonnet-4.5',
  'claude-haiku-4-5-20251001': 'claude-haiku-4.5',
  'claude-opus-4-5-20251101': 'claude-opus-4.5',
};

export const assemblyai = {
  name: 'assemblyai',
  description: 'AssemblyAI pay-as-you-go list prices (USD), with their history',
  source: 'AssemblyAI pricing reference (updated 2026-05-29), assemblyai-api-spec models.mdx history, and the 2026 changes (pricing page read 2026-10-07, changelog)',
  provider: 'AssemblyAI',
  currency: 'USD',
  timezone: 'UTC',
  rounding: { scale: '2', mode: 'half-up' },
  effective_from: '2025-04-23',
  limits: {
    requests_per_5_minutes: '20000',
    concurrency: { free: '5', paid: '200' },
    new_streams_per_minute: { free: '5', paid: '100' },
    free_credits: '50',
  },
  products: [
    {
      id: 'prerecorded',
      kind: 'transcript',
      unit: 'hour',
      basis: 'audio',
      channels: 'multiply',
      addon_channels: 'ignore',
      charge_failed: false,
      increment: '1',
      default_model: 'best',
      models: { universal: '0.37', 'slam-1': '0.37', nano: '0.12' },
      aliases: { best: 'universal' },
      addons: {
        medical_mode: '0.15',
        speaker_labels: '0.02',
        keyterms_prompt: '0.05',
        prompt: '0.05',
        speaker_identification: '0.02',
        translation: '0.06',
        custom_formatting: '0.03',
        entity_detection: '0.08',
        sentiment_analysis: '0.02',
        auto_chapters: '0.08',
        auto_highlights: '0.01',
        iab_categories: '0.15',
        summarization: '0.03',
        filter_profanity: '0.01',
        redact_pii_audio: '0.05',
        redact_pii: '0.08',
        content_safety: '0.15',
      },
    },
    {
      id: 'streaming',
      kind: 'stream',
      unit: 'hour',
      basis: 'session',
      max_session: '10800',
      increment: '1',
      default_model: 'streaming',
      models: { streaming: '0.47' },
      addons: { speaker_labels: '0.12' },
    },
    {
      id: 'llm-gateway',
      kind: 'llm',
      unit: '1M tokens',
      free_tier: false,
      models: llmModels,
      aliases: llmAliases,
    },
  ],
  versions: [
    {
      effective_from: '2025-06-02',
      source: 'models.mdx: universal and slam-1 0.27, streaming 0.15',
      products: [
        { id: 'prerecorded', models: { universal: '0.27', 'slam-1': '0.27' } },
        { id: 'streaming', models: { streaming: '0.15' } },
      ],
    },
    {
      effective_from: '2025-09-23',
      source: 'models.mdx: universal 0.15; streaming renamed universal-streaming',
      products: [
        { id: 'prerecorded', models: { universal: '0.15' } },
        {
          id: 'streaming',
          default_model: 'universal-streaming',
          models: { streaming: null, 'universal-streaming': '0.15' },
          aliases: { streaming: 'universal-streaming' },
        },
      ],
    },
    {
      effective_from: '2026-02-03',
      source: 'models.mdx: universal-3-pro 0.21, universal-2 0.15; best and nano route to them',
      products: [
        {
          id: 'prerecorded',
          models: { 'universal-3-pro': '0.21', 'universal-2': '0.15', nano: null },
          aliases: { best: 'universal-3-pro', nano: 'universal-2' },
        },
      ],
    },
    {
      effective_from: '2026-03-04',
      source: 'models.mdx: u3-rt-pro 0.45, universal-streaming-english/-multilingual 0.15, whisper-streaming 0.30',
      products: [
        {
          id: 'streaming',
          models: {
            'u3-rt-pro': '0.45',
            'universal-streaming-english': '0.15',
            'universal-streaming-multilingual': '0.15',
            'whisper-streaming': '0.30',
          },
          addons: { keyterms_prompt: '0.04' },
          aliases: { 'whisper-rt': 'whisper-streaming' },
        },
      ],
    },
    {
      effective_from: '2026-04-01',
      source:
        'Voice Agent API, 4.50 per hour of connected conversation time, all features included; the 30 s resume grace after a closed socket is billed; a session lasts at most 10800 s (max_session_duration_seconds of the voice agent token) (blog "introducing our voice agent API", pricing page read 2026-10-07, api-reference generate-voice-agent-token; announced in April 2026 without a day: the card takes the 1st)',
      products: [
        { id: 'voice-agent', kind: 'stream', unit: 'hour', basis: 'session', increment: '1', max_session: '10800', default_model: 'voice-agent', models: { 'voice-agent': '4.50' } },
      ],
    },
    {
      effective_from: '2026-07-01',
      source:
        'LLM Gateway: requests to the in-region (US, EU) endpoints cost 10 % more, a pass-through of provider prices; global routing keeps the list price (docs llm-gateway/cloud-endpoints-and-data-residency.md)',
      products: [{ id: 'llm-gateway', regional_increase: { us: '10%', eu: '10%' } }],
    },
    {
      effective_from: '2026-07-14',
      source: 'Sync API (clips up to 120 s, one HTTP call), 0.30 per hour, keyterms and conversation context included (blog "sync-api", pricing page read 2026-10-07)',
      products: [
        { id: 'sync', kind: 'transcript', unit: 'hour', basis: 'audio', increment: '1', models: { 'sync/universal-3-5-pro': '0.30' } },
      ],
    },
    {
      effective_from: '2026-08-01',
      source: 'LLM Gateway: kimi-k2.5 removed (assemblyai-skill references/llm-gateway.md; removed in August 2026 without a day: the card takes the 1st)',
      products: [{ id: 'llm-gateway', retired: { 'kimi-k2.5': '2026-08-01' } }],
    },
    {
      effective_from: '2026-09-02',
      source:
        'changelog 2026-09-02: pre-recorded requests without a speech model go to Universal-3.5 Pro, 0.21 per hour (docs getting-started/universal-3-5-pro); streaming u3-rt-pro and u3-pro-rt redirect to universal-3-5-pro, 0.45 per hour (the pricing page\'s "Universal-3.6 Pro Realtime"); the LLM Gateway limit of 30 requests per minute per model on paid accounts (assemblyai-skill references/llm-gateway.md, undated: first on this version); keyterms prompting free on Universal-2 while in beta, 0.05 per hour on the Pro models (docs improving-transcript-accuracy.mdx, undated: first on this version); the streaming new-session limit scales up by itself on paid accounts: 10 % more each minute in which 70 % or more of it is used, back down toward the starting limit under 50 % (docs streaming/concurrency "Auto-scaling" and "Scale-down behavior", FAQ "how does automatically scaling concurrency for streaming STT work", undated: first on this version)',
      limits: {
        llm_requests_per_minute: '30',
        new_streams_per_minute: { free: '5', paid: '100', auto_scale: { tiers: ['paid'], rise: '10%', rise_at: '70%', decay_below: '50%' } },
      },
      products: [
        {
          id: 'prerecorded',
          default_model: 'universal-3-5-pro',
          models: { 'universal-3-5-pro': '0.21' },
          model_addons: { 'universal-2': { keyterms_prompt: '0' } },
        },
        {
          id: 'streaming',
          models: { 'u3-rt-pro': null, 'universal-3-5-pro': '0.45' },
          aliases: { 'u3-rt-pro': 'universal-3-5-pro', 'u3-pro-rt': 'universal-3-5-pro' },
        },
      ],
    },
  ],
};
