import type { AutoScale } from '../rates/card.js';
import { nthInOrder, type Numbers } from '../util/columns.js';
import { Decimal } from '../util/decimal.js';
import type { Breach } from './windows.js';

const ONE_MINUTE = 60_000;

/** A stretch of minutes in which the scaled limit refused sessions, with the limit of its worst minute. */
export interface ScaledBreach extends Breach {
  /** The limit in force in the minute of the peak (after scaling). */
  limit: number;
}

/**
 * The provider's auto-scaling new-session limit, simulated over the session starts in time order.
 * Minutes are clock minutes (UTC, from the epoch). In each minute the limit is
 * `floor(base × (1 + rise)^step)`; sessions past it are refused. At the end of a minute the step
 * rises by one when the sessions opened (the accepted ones) are at least `riseAt` of the limit,
 * falls by one (never below the base, step 0) when they are under `decayBelow`, and stays otherwise;
 * a minute with no session is under `decayBelow`. Consecutive minutes with refusals form one breach.
 */
export function autoScaleBreaches(times: Numbers, base: number, scale: AutoScale): ScaledBreach[] {
  const nth = nthInOrder(times.length, (i) => times.at(i));
  const factor = scale.rise.plus(1);
  const limitAt = (step: number) => new Decimal(base).times(factor.pow(step)).floor().toNumber();
  const breaches: ScaledBreach[] = [];
  let step = 0;
  let previousMinute: number | undefined;
  let current: ScaledBreach | undefined;
  for (let j = 0; j < times.length; ) {
    const minute = Math.floor(times.at(nth(j)) / ONE_MINUTE);
    // Minutes without a session since the last one: each is under `decayBelow`.
    if (previousMinute !== undefined) {
      const idle = minute - previousMinute - 1;
      step = Math.max(0, step - idle);
      if (idle > 0) current = undefined;
    }
    const limit = limitAt(step);
    let count = 0;
    let firstOver: number | undefined;
    for (; j < times.length && Math.floor(times.at(nth(j)) / ONE_MINUTE) === minute; j++) {
      count++;
      if (count === limit + 1) firstOver = nth(j);
    }
    if (firstOver !== undefined) {
      if (!current) {
        current = { first: firstOver, peak: count, peakAt: firstOver, over: 0, limit };
        breaches.push(current);
      }
      current.over += count - limit;
      if (count - limit > current.peak - current.limit) Object.assign(current, { peak: count, peakAt: firstOver, limit });
    } else {
      current = undefined;
    }
    const opened = new Decimal(Math.min(count, limit));
    if (opened.greaterThanOrEqualTo(scale.riseAt.times(limit))) step++;
    else if (opened.lessThan(scale.decayBelow.times(limit))) step = Math.max(0, step - 1);
    previousMinute = minute;
  }
  return breaches;
}
