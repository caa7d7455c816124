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
  const nth = nthInOrder(times.length, (i) => times.at(i), times.ascending);
  const stepAt = scaleSteps(base, scale);
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
    const { limit, riseFrom, decayUnder } = stepAt(step);
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
    const opened = Math.min(count, limit);
    if (opened >= riseFrom) step++;
    else if (opened < decayUnder) step = Math.max(0, step - 1);
    previousMinute = minute;
  }
  return breaches;
}

/** A step's limit, and the sessions opened from which it rises and under which it falls (whole numbers). */
interface Step {
  limit: number;
  /** ⌈riseAt × limit⌉: a whole count is at least riseAt × limit exactly when it is at least this. */
  riseFrom: number;
  /** ⌈decayBelow × limit⌉: a whole count is under decayBelow × limit exactly when it is under this. */
  decayUnder: number;
}

/** Each step's limit and thresholds, worked out exactly (Decimal) once per step, not once per minute. */
function scaleSteps(base: number, scale: AutoScale): (step: number) => Step {
  const factor = scale.rise.plus(1);
  const steps: Step[] = [];
  return (step) => {
    let found = steps[step];
    if (found === undefined) {
      const limit = new Decimal(base).times(factor.pow(step)).floor().toNumber();
      found = { limit, riseFrom: scale.riseAt.times(limit).ceil().toNumber(), decayUnder: scale.decayBelow.times(limit).ceil().toNumber() };
      steps[step] = found;
    }
    return found;
  };
}
