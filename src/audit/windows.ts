import { nthInOrder, type Numbers } from '../util/columns.js';

/** A stretch of time in which a limit was broken: where it was first crossed and how far. */
export interface Breach {
  /** Index of the event that first crossed the limit. */
  first: number;
  /** The highest count reached in the stretch. */
  peak: number;
  /** Index of the event at the peak. */
  peakAt: number;
  /** Events in the stretch beyond the limit. */
  over: number;
}

/**
 * Events in any sliding window of `windowMs` above `limit` (more than the limit; exactly at it is
 * fine), found in one pass over the events in time order. A window ending at event j holds the
 * events after `time(j) − windowMs`. Consecutive crossings form one breach.
 */
export function slidingBreaches(times: Numbers, windowMs: number, limit: number): Breach[] {
  const nth = nthInOrder(times.length, (i) => times.at(i), times.ascending);
  const breaches: Breach[] = [];
  let current: Breach | undefined;
  let start = 0;
  for (let j = 0; j < times.length; j++) {
    const t = times.at(nth(j));
    while (times.at(nth(start)) <= t - windowMs) start++;
    const count = j - start + 1;
    if (count > limit) {
      if (!current) {
        current = { first: nth(j), peak: count, peakAt: nth(j), over: 0 };
        breaches.push(current);
      }
      current.over++;
      if (count > current.peak) {
        current.peak = count;
        current.peakAt = nth(j);
      }
    } else {
      current = undefined;
    }
  }
  return breaches;
}

/**
 * Intervals [start, end) open at once above `limit`, swept in time order: an interval that ends
 * when another starts is no longer open.
 */
export function concurrencyBreaches(starts: Numbers, ends: Numbers, limit: number): Breach[] {
  const nthStart = nthInOrder(starts.length, (i) => starts.at(i), starts.ascending);
  const nthEnd = nthInOrder(ends.length, (i) => ends.at(i), ends.ascending);
  const breaches: Breach[] = [];
  let current: Breach | undefined;
  let open = 0;
  let e = 0;
  for (let k = 0; k < starts.length; k++) {
    const index = nthStart(k);
    const t = starts.at(index);
    while (e < ends.length && ends.at(nthEnd(e)) <= t) {
      e++;
      open--;
    }
    open++;
    if (open > limit) {
      if (!current) {
        current = { first: index, peak: open, peakAt: index, over: 0 };
        breaches.push(current);
      }
      current.over++;
      if (open > current.peak) {
        current.peak = open;
        current.peakAt = index;
      }
    } else if (current && open <= limit) {
      current = undefined;
    }
  }
  return breaches;
}
