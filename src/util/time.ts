import { UsageError } from './errors.js';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The end of a `longOffset` text: sign, hours, minutes and seconds of the offset, or nothing for UTC. */
const OFFSET_TEXT = /GMT(?:([+\-\u2212])(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** UTC days whose offsets a zone keeps at most. */
const DAYS_KEPT = 100_000;

/** A UTC day's offsets: one for the whole day, or the offset before `at` and the one from it. */
type DayOffsets = number | { at: number; before: number; after: number };

/**
 * A named IANA time zone that cuts instants into local days and months, independent of the process
 * `TZ`, with Node's own time-zone data (`Intl.DateTimeFormat`, no library).
 *
 * Offsets are asked of Intl once per UTC day a run touches (its start and its end), never per row:
 * a day whose two ends share an offset has it all day; in a day whose ends differ, the instant of the
 * change is found to the second (tz transitions fall on whole seconds) by halving. A zone that
 * changed its offset and changed it back within one UTC day would be missed; none has.
 */
export class TimeZone {
  private static readonly cache = new Map<string, TimeZone>();
  private readonly days = new Map<number, DayOffsets>();
  private readonly format: Intl.DateTimeFormat | undefined;
  /** The last span of one offset found, `[from, to)`: a log's rows mostly fall in the one before. */
  private from = 0;
  private to = 0;
  private offset = 0;

  private constructor(readonly name: string) {
    const utc = name === 'UTC' || name === 'Etc/UTC';
    this.format = utc ? undefined : new Intl.DateTimeFormat('en-US', { timeZone: name, timeZoneName: 'longOffset' });
  }

  /** The zone of that name; a bad name is a usage error naming it. */
  static of(name: string): TimeZone {
    let zone = TimeZone.cache.get(name);
    if (!zone) {
      if (!isZoneName(name)) {
        throw new UsageError(`unknown time zone "${name}": use an IANA name such as UTC, Europe/Berlin or America/New_York`);
      }
      zone = new TimeZone(name);
      TimeZone.cache.set(name, zone);
    }
    return zone;
  }

  /** The zone's offset from UTC at an instant, in milliseconds. */
  offsetMs(utcMs: number): number {
    if (this.format === undefined) return 0;
    if (utcMs >= this.from && utcMs < this.to) return this.offset;
    if (!Number.isFinite(utcMs)) return Number.NaN;
    const day = Math.floor(utcMs / MS_PER_DAY);
    let offsets = this.days.get(day);
    if (offsets === undefined) {
      offsets = this.dayOffsets(day);
      // A bound on the memory no real log reaches (about 270 years of days).
      if (this.days.size >= DAYS_KEPT) this.days.clear();
      this.days.set(day, offsets);
    }
    const start = day * MS_PER_DAY;
    if (typeof offsets === 'number') this.remember(start, start + MS_PER_DAY, offsets);
    else if (utcMs < offsets.at) this.remember(start, offsets.at, offsets.before);
    else this.remember(offsets.at, start + MS_PER_DAY, offsets.after);
    return this.offset;
  }

  private remember(from: number, to: number, offset: number): void {
    this.from = from;
    this.to = to;
    this.offset = offset;
  }

  private dayOffsets(day: number): DayOffsets {
    const start = day * MS_PER_DAY;
    const before = this.offsetAsked(start);
    const after = this.offsetAsked(start + MS_PER_DAY);
    if (before === after) return before;
    // The first whole second of the day whose offset is no longer the day's first.
    let lo = 0;
    let hi = MS_PER_DAY / MS_PER_SECOND;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAsked(start + mid * MS_PER_SECOND) === before) lo = mid;
      else hi = mid;
    }
    const at = start + hi * MS_PER_SECOND;
    return { at, before, after: this.offsetAsked(at) };
  }

  /** The offset at an instant as Intl writes it (`GMT+05:45`, `GMT-08:00`, `GMT+00:53:28`, `GMT`). */
  private offsetAsked(at: number): number {
    const text = this.format!.format(at);
    const match = OFFSET_TEXT.exec(text);
    if (!match) throw new Error(`time zone ${this.name}: unexpected offset text "${text}"`);
    if (match[1] === undefined) return 0;
    const ms = Number(match[2]) * 3_600_000 + Number(match[3]) * MS_PER_MINUTE + Number(match[4] ?? 0) * MS_PER_SECOND;
    return match[1] === '+' ? ms : -ms;
  }

  /** The instant of a local wall-clock time (given as if it were UTC); a time in a DST gap moves forward. */
  fromLocal(localMs: number): number {
    const first = localMs - this.offsetMs(localMs);
    const offset = this.offsetMs(first);
    const second = localMs - offset;
    if (this.offsetMs(second) === offset) return second;
    // In a gap: neither guess maps back; take the later offset, as Temporal does.
    return localMs - Math.max(offset, this.offsetMs(localMs - offset));
  }

  /** Local calendar day, `YYYY-MM-DD`. */
  dayKey(utcMs: number): string {
    return formatDay(Math.floor((utcMs + this.offsetMs(utcMs)) / MS_PER_DAY));
  }

  /** Local calendar month, `YYYY-MM`. */
  monthKey(utcMs: number): string {
    return this.dayKey(utcMs).slice(0, 7);
  }

  /** The instant a local day (`YYYY-MM-DD`) starts. */
  startOfDay(day: string): number {
    return this.fromLocal(parseDay(day) * MS_PER_DAY);
  }
}

/** Whether Intl knows the zone name (an IANA name, in any case: `utc`, `europe/berlin`). */
function isZoneName(name: string): boolean {
  if (name === '') return false;
  // Known without asking Intl, whose first use loads the zone data (about 17 ms a run).
  if (name === 'UTC' || name === 'Etc/UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The first year a date may have: an earlier one is a typo (`0050` for `2050`), never usage. */
export const MIN_YEAR = 1000;
/**
 * The last year a date read may have: a later one is a typo too, and the days after the last one
 * read (a projection of up to ten years, the end of a period) must still be dates of four digits.
 */
export const MAX_YEAR = 8999;

const FIRST_MS = Date.UTC(MIN_YEAR, 0, 1);
const END_MS = Date.UTC(MAX_YEAR + 1, 0, 1);

/** ISO 8601 UTC text of an instant of a year from MIN_YEAR to MAX_YEAR (what a log may say), else undefined. */
export function isoInstant(utcMs: number): string | undefined {
  return utcMs >= FIRST_MS && utcMs < END_MS ? new Date(utcMs).toISOString() : undefined;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date as read from a user (a year up to MAX_YEAR), or NaN. */
export function readDay(day: string): number {
  return Number(day.slice(0, 4)) > MAX_YEAR ? Number.NaN : parseDay(day);
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or NaN. */
export function parseDay(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return Number.NaN;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < MIN_YEAR || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return Number.NaN;
  return utcMs(y, m, d, 0, 0, 0, 0) / MS_PER_DAY;
}

/**
 * Epoch ms of a UTC date and time (month 1–12). Unlike `Date.UTC`, years 0–99 are those years, not
 * 1900–1999.
 */
export function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  return daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * MS_PER_MINUTE + s * MS_PER_SECOND + ms;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (month 1–12; a day past the month's end runs
 * on into the next), by integer arithmetic: a log's every timestamp goes through it, and it costs a
 * fraction of `Date.UTC`. The year is counted from March, so that February's leap day comes last.
 */
function daysFromCivil(y: number, mo: number, d: number): number {
  const year = mo <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** `YYYY-MM-DD` of a day number (days since 1970-01-01); remembered, as a log revisits few days. */
export function formatDay(dayNumber: number): string {
  let text = DAY_TEXT.get(dayNumber);
  if (text === undefined) {
    text = new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
    if (DAY_TEXT.size >= DAY_TEXT_LIMIT) DAY_TEXT.clear();
    DAY_TEXT.set(dayNumber, text);
  }
  return text;
}

const DAY_TEXT = new Map<number, string>();
/** About 27 years of days: a bound on the memory that no log of a month or a year reaches. */
const DAY_TEXT_LIMIT = 10_000;

/** Every `YYYY-MM-DD` day from `first` to `last`, both included (none when first is undefined). */
export function daysFrom(first: string | undefined, last: string | undefined): string[] {
  const days: string[] = [];
  if (first === undefined || last === undefined) return days;
  for (let day = first; day <= last; day = nextDay(day)) days.push(day);
  return days;
}

/** The day after a `YYYY-MM-DD` date. */
export function nextDay(day: string): string {
  return formatDay(parseDay(day) + 1);
}

/** The first day of the month after `YYYY-MM`. */
export function nextMonth(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in month `m` (1–12) of year `y`, leap years counted. */
export function daysInMonth(y: number, m: number): number {
  return m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : MONTH_DAYS[m - 1]!;
}

/** Two ASCII digits at `i`, or -1. */
function digits2(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The common shape `YYYY-MM-DDTHH:MM:SS[.fff]Z` without a regex or a Date; anything else (offsets,
 * spaces, dates alone, other fractions) is left to the full parser. Validates like it.
 */
function parseUtcInstantFast(text: string): number | undefined {
  const n = text.length;
  if ((n !== 20 && n !== 24) || text.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const c = digits2(text, 0);
  const y2 = digits2(text, 2);
  const mo = digits2(text, 5);
  const d = digits2(text, 8);
  const h = digits2(text, 11);
  const mi = digits2(text, 14);
  const s = digits2(text, 17);
  if (c < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return undefined;
  const y = c * 100 + y2;
  if (y < MIN_YEAR || y > MAX_YEAR) return undefined;
  if (d > daysInMonth(y, mo)) return undefined;
  let ms = 0;
  if (n === 24) {
    if (text.charCodeAt(19) !== 46) return undefined;
    const m1 = digits2(text, 20);
    const m2 = text.charCodeAt(22) - 48;
    if (m1 < 0 || m2 < 0 || m2 > 9) return undefined;
    ms = m1 * 10 + m2;
  }
  return utcMs(y, mo, d, h, mi, s, ms);
}

/**
 * Parses an ISO 8601 instant strictly (`2026-05-01T10:00:00Z`, `...+02:00`, `2026-05-01 10:00:00`,
 * `2026-05-01`). A value without an offset is read in `zone`. Returns epoch milliseconds, or undefined.
 * Fractions past milliseconds are truncated.
 */
export function parseInstant(text: string, zone: TimeZone): number | undefined {
  const fast = parseUtcInstantFast(text);
  if (fast !== undefined) return fast;
  const match = INSTANT_PATTERN.exec(text);
  if (!match) return undefined;
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', fs = '', tz] = match;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = Number(hs);
  const mi = Number(mis);
  const s = Number(ss);
  if (y < MIN_YEAR || y > MAX_YEAR || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const local = utcMs(y, mo, d, h, mi, s, Number((fs + '00').slice(0, 3)));
  if (tz === undefined) return zone.fromLocal(local);
  if (tz === 'Z' || tz === 'z') return local;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  const offH = Number(digits.slice(0, 2));
  const offM = Number(digits.slice(2) || '0');
  if (offH > 23 || offM > 59) return undefined;
  return local - sign * (offH * 60 + offM) * MS_PER_MINUTE;
}

/** ISO 8601 UTC text of an instant, without milliseconds when they are zero. */
export function formatInstant(utcMs: number): string {
  const text = new Date(utcMs).toISOString();
  return text.endsWith('.000Z') ? `${text.slice(0, -5)}Z` : text;
}
