/**
 * The backlog part of a run's snapshot, shared by the engines' probes: the keys with the most waiting
 * elements, and how long the oldest waiting element has waited.
 * @internal
 */
import type { LanesKeyBacklog } from '../../types.js';

/** Reports one key of a run's table: its waiting and running counts, and when its oldest waiting element was admitted. */
export type OfferKey = (key: unknown, waiting: number, running: number, waitingSince: number | undefined) => void;

/** @internal */
export interface Backlog {
  /** At most `topKeys` keys, most waiting first (ties: most running first), in offer order otherwise. */
  topKeys: LanesKeyBacklog[];
  /** `now` minus the earliest time offered (0 when none). */
  oldestWaitMs: number;
}

/**
 * Computes the {@link Backlog} at `now` in one pass: `eachKey` offers every key of the run's table (a
 * visitor, so a snapshot of a million keys builds no array of them); `waitingSince` holds the times of the
 * elements waiting outside any key (the head of the entrance queue, elements ready to start). A time of
 * `undefined` (nothing waiting, or not timed) counts as no wait.
 */
export function backlogOf(
  now: number,
  topKeys: number,
  waitingSince: Iterable<number | undefined>,
  eachKey: (offer: OfferKey) => void,
): Backlog {
  let oldest = now;
  for (const since of waitingSince) if (since !== undefined && since < oldest) oldest = since;
  const top: LanesKeyBacklog[] = [];
  eachKey((key, waiting, running, since) => {
    if (since !== undefined && since < oldest) oldest = since;
    if (topKeys > 0) offerTop(top, topKeys, key, waiting, running);
  });
  return { topKeys: top, oldestWaitMs: now - oldest };
}

/** Inserts the key into `top` (sorted, at most `k` long) if it ranks among the first `k`. */
function offerTop(top: LanesKeyBacklog[], k: number, key: unknown, waiting: number, running: number): void {
  if (top.length === k) {
    const last = top[top.length - 1];
    if (waiting < last.waiting || (waiting === last.waiting && running <= last.running)) return;
    top.pop();
  }
  let at = top.length;
  while (at > 0 && (top[at - 1].waiting < waiting || (top[at - 1].waiting === waiting && top[at - 1].running < running))) at--;
  top.splice(at, 0, { key, waiting, running });
}
