import { UsageError } from '../util/errors.js';
import { formatInstant, MAX_YEAR, MIN_YEAR, nextMonth, parseInstant, readDay, type TimeZone } from '../util/time.js';

/** A billing period: `from` inclusive, `to` exclusive, either end open. Text as the user gave it. */
export interface Period {
  from: number | undefined;
  to: number | undefined;
  fromText: string | undefined;
  toText: string | undefined;
}

/** Builds the period of `--month YYYY-MM` or `--from`/`--to` (dates or instants), cut in `zone`. */
export function periodFromFlags(flags: { month?: string; from?: string; to?: string }, zone: TimeZone): Period {
  if (flags.month !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined) throw new UsageError('give --month or --from/--to, not both');
    if (!/^\d{4}-\d{2}$/.test(flags.month) || Number.isNaN(readDay(`${flags.month}-01`))) {
      throw new UsageError(`--month "${flags.month}" is not a month; write YYYY-MM, e.g. 2026-05`);
    }
    const next = nextMonth(flags.month);
    return { from: zone.startOfDay(`${flags.month}-01`), to: zone.startOfDay(`${next}-01`), fromText: `${flags.month}-01`, toText: `${next}-01` };
  }
  const bound = (text: string | undefined, flag: string): number | undefined => {
    if (text === undefined) return undefined;
    const at = parseInstant(text, zone);
    if (at === undefined) throw new UsageError(`${flag} "${text}" is not a date or instant (of a year from ${MIN_YEAR} to ${MAX_YEAR}); write e.g. 2026-05-01 or 2026-05-01T12:00:00Z`);
    return at;
  };
  const from = bound(flags.from, '--from');
  const to = bound(flags.to, '--to');
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from (from is inclusive, to exclusive)');
  return { from, to, fromText: flags.from, toText: flags.to };
}

/** True when the period filters anything. */
export function isBounded(period: Period): boolean {
  return period.from !== undefined || period.to !== undefined;
}

/** Whether an instant falls in the period. */
export function inPeriod(period: Period, at: number): boolean {
  return (period.from === undefined || at >= period.from) && (period.to === undefined || at < period.to);
}

/** The period as printed: the user's text, else the first and last record instants. */
export function describePeriod(period: Period, first: number | undefined, last: number | undefined): { from: string | null; to: string | null } {
  return {
    from: period.fromText ?? (first === undefined ? null : formatInstant(first)),
    to: period.toText ?? (last === undefined ? null : formatInstant(last)),
  };
}
