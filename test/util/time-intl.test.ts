import { describe, expect, it, vi } from 'vitest';
import { TimeZone } from '../../src/util/time.js';

/**
 * A zone's offset at an instant worked out independently, the way a library would: the local
 * wall-clock fields Intl gives, read as if UTC, minus the instant (to the second).
 */
function referenceOffset(zone: string, at: number): number {
  let format = FORMATS.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    FORMATS.set(zone, format);
  }
  const f: Record<string, string> = {};
  for (const part of format.formatToParts(at)) f[part.type] = part.value;
  const year = f.era === 'BC' ? 1 - Number(f.year) : Number(f.year);
  const local = new Date(0);
  local.setUTCFullYear(year, Number(f.month) - 1, Number(f.day));
  local.setUTCHours(Number(f.hour) % 24, Number(f.minute), Number(f.second), 0);
  return local.getTime() - Math.floor(at / 1000) * 1000;
}

const FORMATS = new Map<string, Intl.DateTimeFormat>();

const ZONES = [
  'Europe/Berlin', 'America/Los_Angeles', 'America/Sao_Paulo', 'America/St_Johns', 'Asia/Kathmandu', 'Asia/Kolkata', 'Asia/Tehran',
  'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Apia', 'Africa/Casablanca', 'Europe/Dublin', 'Africa/Monrovia', 'America/Caracas',
  'Antarctica/Troll', 'Pacific/Kiritimati', 'Etc/GMT+12', 'utc', 'europe/london',
];

describe('time zones from Intl, without a library', () => {
  it('give the offset Intl gives, to the millisecond, at any instant from 1000 to 8999, and every few hours of 2026', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const [from, to] = [Date.UTC(1000, 0, 1), Date.UTC(9000, 0, 1)];
    for (const name of ZONES) {
      const zone = TimeZone.of(name);
      const instants = Array.from({ length: 150 }, () => Math.floor(from + random() * (to - from)));
      for (let at = Date.UTC(2026, 0, 1); at < Date.UTC(2027, 0, 1); at += 5 * 3_600_000 + 17_000) instants.push(at);
      for (const at of instants) expect(zone.offsetMs(at), `${name} at ${new Date(at).toISOString()}`).toBe(referenceOffset(name, at));
    }
  });

  it('change offset at the exact second of a transition', () => {
    const berlin = TimeZone.of('Europe/Berlin');
    const change = Date.UTC(2026, 2, 29, 1); // 02:00 CET → 03:00 CEST
    expect(berlin.offsetMs(change - 1)).toBe(3_600_000);
    expect(berlin.offsetMs(change)).toBe(7_200_000);
    expect(berlin.offsetMs(change - 1)).toBe(3_600_000);
    // Lord Howe moves by half an hour; Kathmandu's 1986 change from +05:30 to +05:45.
    const howe = TimeZone.of('Australia/Lord_Howe');
    const back = Date.UTC(2026, 3, 4, 15); // 02:00 +11:00 → 01:30 +10:30
    expect([howe.offsetMs(back - 1), howe.offsetMs(back)]).toEqual([39_600_000, 37_800_000]);
    const kathmandu = TimeZone.of('Asia/Kathmandu');
    expect(kathmandu.offsetMs(Date.UTC(1985, 11, 31, 18, 29, 59))).toBe(19_800_000);
    expect(kathmandu.offsetMs(Date.UTC(1985, 11, 31, 18, 30))).toBe(20_700_000);
    // Local mean time, to the second: Berlin before 1893 was +00:53:28.
    expect(berlin.offsetMs(Date.UTC(1850, 5, 1))).toBe((53 * 60 + 28) * 1000);
  });

  it('ask Intl at most a few times a day a log touches, never once per row', () => {
    // `format` is a getter (it hands out a bound function): each read of it is one question to Intl.
    const getter = vi.spyOn(Intl.DateTimeFormat.prototype as unknown as { format: unknown }, 'format', 'get');
    try {
      const zone = TimeZone.of('America/Denver');
      const before = getter.mock.calls.length;
      // 200,000 rows over March 2026, which has the change to summer time (8 March).
      const [from, to] = [Date.UTC(2026, 2, 1), Date.UTC(2026, 3, 1)];
      const days = new Set<string>();
      for (let i = 0; i < 200_000; i++) days.add(zone.dayKey(from + Math.floor(((to - from) * i) / 200_000)));
      expect(days.size).toBe(32); // 28 February to 31 March, local
      const asked = getter.mock.calls.length - before;
      // The two ends of each of the 31 UTC days, then about 17 halvings on the day of the change.
      expect(asked).toBeLessThanOrEqual(2 * 31 + 20);
      expect(asked).toBeGreaterThan(0);
    } finally {
      getter.mockRestore();
    }
  });

  it('know the names Intl knows, in any case, and refuse the others', () => {
    expect(TimeZone.of('UTC').offsetMs(Date.UTC(2026, 0, 1))).toBe(0);
    expect(TimeZone.of('europe/berlin').dayKey(Date.UTC(2026, 4, 4, 22, 30))).toBe('2026-05-05');
    for (const bad of ['Mars/Olympus', '', 'Europe/Berlin ', '+02:00x']) expect(() => TimeZone.of(bad), bad).toThrow(/unknown time zone/);
  });
});
