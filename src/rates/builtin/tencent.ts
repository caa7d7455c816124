/** The five daily volume tiers of one Tencent Cloud ASR service, hours per day, USD per hour. */
function dailyTiers(prices: [string, string, string, string, string]) {
  const bounds = ['300', '1000', '3000', '5000', null];
  return {
    tiers: {
      mode: 'volume',
      period: 'day',
      table: bounds.map((up_to, i) => ({ up_to, price: prices[i]! })),
    },
  };
}

/**
 * The free quota of one service as the Chinese-language billing page publishes it (product 1093,
 * doc 35686): granted each month, valid that month only, used before packs and pay-as-you-go. Not
 * every account has it, so it applies only on a card that says `use_free_quota: true`.
 */
function monthlyQuota(hours: string) {
  return { quantity: hours, period: 'month', opt_in: true };
}

/**
 * Tencent Cloud ASR pay-as-you-go (USD): all of a day's usage billed at the tier the day reaches,
 * billed per second (a part second counts as one). Days are cut in Beijing time. The monthly free
 * quotas (10 h recording file, 5 h real-time) are on the card as opt-in quotas.
 */
export const tencentAsr = {
  name: 'tencent-asr',
  description: 'Tencent Cloud ASR pay-as-you-go (USD), daily volume tiers',
  source: 'Tencent Cloud ASR pricing page (international), billing unit the second, fees to 2 decimals',
  provider: 'Tencent Cloud',
  currency: 'USD',
  timezone: 'Asia/Shanghai',
  rounding: { scale: '2', mode: 'half-up' },
  products: [
    {
      id: 'realtime-asr',
      kind: 'stream',
      unit: 'hour',
      basis: 'audio',
      channels: 'ignore',
      increment: '1',
      default_model: 'realtime',
      free_quota: monthlyQuota('5'),
      models: {
        realtime: dailyTiers(['1.4', '1.2', '1.0', '0.86', '0.7']),
        'realtime-large': dailyTiers(['2', '1.7', '1.5', '1.3', '1.1']),
      },
    },
    {
      id: 'file-asr',
      kind: 'transcript',
      unit: 'hour',
      basis: 'audio',
      channels: 'ignore',
      increment: '1',
      default_model: 'file',
      free_quota: monthlyQuota('10'),
      models: {
        file: dailyTiers(['1', '0.95', '0.9', '0.85', '0.6']),
        'file-large': dailyTiers(['1.8', '1.6', '1.4', '1.1', '0.8']),
      },
    },
  ],
};
