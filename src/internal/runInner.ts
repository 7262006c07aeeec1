import { from, Observable, type ObservableInput } from 'rxjs';
import { isPromiseLike } from './isPromiseLike.js';
import { InnerSubscriber, reportUnhandledError } from './operate.js';
import type { Work } from './Work.js';

/**
 * Read once. In the CommonJS build every use of an import is a property read on rxjs's `exports`, an
 * object of hundreds of accessor properties (dictionary mode): a generic load and a getter call per element.
 */
const ObservableClass = Observable;

/**
 * Runs what `project` or a batch handler returned, for `work` — the one place the pack runs an
 * `ObservableInput`:
 *
 * - nothing, when the work was torn down while `project` ran (it made the output unsubscribe): an
 *   Observable is not subscribed, a PromiseLike's outcome is ignored;
 * - an Observable: subscribed with an {@link InnerSubscriber} that `work.inner` holds before subscribing,
 *   so teardown reaches a synchronous inner in the middle of its emissions, and whose teardown runs
 *   before its completion is passed on;
 * - a PromiseLike: treated as RxJS's `from()` treats it — the first settlement wins, a `then` that throws
 *   fails the work — without an Observable per element (the hot path of Promise projects);
 * - anything else through `from()`; what `from()` rejects fails the work.
 * @internal
 */
export function runInner<R>(work: Work<R>, input: ObservableInput<R>): void {
  if (work.cancelled) return;
  // A native Promise first (it is never an Observable): the Promise path skips the Observable check.
  if (input instanceof Promise) awaitInner(work, input);
  else if (input instanceof ObservableClass) subscribeInner(work, input);
  else if (isPromiseLike<R>(input)) awaitInner(work, input);
  else subscribeFrom(work, input);
}

/** Any other `ObservableInput`, through `from()` (kept apart so the two hot cases above stay small to inline). */
function subscribeFrom<R>(work: Work<R>, input: ObservableInput<R>): void {
  let observable: Observable<R>;
  try {
    observable = from(input);
  } catch (error) {
    work.settled = true;
    work.error(error);
    return;
  }
  subscribeInner(work, observable);
}

function subscribeInner<R>(work: Work<R>, input: Observable<R>): void {
  const inner = new InnerSubscriber<R>(work);
  work.inner = inner;
  input.subscribe(inner);
}

/**
 * First settlement wins through `work.settled` (no extra allocation). The callbacks run from the
 * microtask queue, where nothing can catch: what delivering the outcome throws (e.g. a teardown that
 * throws while the output errors) is reported as RxJS's `from()` reports it.
 */
function awaitInner<R>(work: Work<R>, input: PromiseLike<R>): void {
  try {
    input.then(
      (value) => {
        if (work.settled || work.cancelled) return;
        work.settled = true;
        try {
          work.resolve(value);
        } catch (error) {
          reportUnhandledError(error);
        }
      },
      (error: unknown) => {
        if (work.settled || work.cancelled) return;
        work.settled = true;
        try {
          work.error(error);
        } catch (thrown) {
          reportUnhandledError(thrown);
        }
      },
    );
  } catch (error) {
    // A `then` that throws: the work fails, unless it settled first (a throw after a settlement is ignored).
    if (work.settled || work.cancelled) return;
    work.settled = true;
    work.error(error);
  }
}
