import { map, Observable, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batchByLane, type BatchByLaneOptions } from '../../src/index';

// Messages are strings like 'a0': the first letter is the lane. Results are the message upper-cased.
const lane = (v: string) => v[0]!;
const S = (v: string) => ({ value: v, key: lane(v), ok: true as const, result: v.toUpperCase() });

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Runs `source` through batchByLane in virtual time, recording each handler call as [time, batch]. */
function setup(
  ts: TestScheduler,
  options: Omit<BatchByLaneOptions<string, string>, 'key'>,
  latency: (batch: readonly string[], call: number) => number = () => 0,
) {
  const calls: [number, string][] = [];
  let active = 0;
  let maxActive = 0;
  const activeLanes = new Set<string>();
  const handler = (batch: readonly string[], key: string): Observable<string[]> => {
    calls.push([ts.now(), batch.join(' ')]);
    expect(activeLanes.has(key)).toBe(false); // a lane never has two batches in flight
    activeLanes.add(key);
    maxActive = Math.max(maxActive, ++active);
    return timer(latency(batch, calls.length - 1)).pipe(
      map(() => {
        active--;
        activeLanes.delete(key);
        return batch.map((v) => v.toUpperCase());
      }),
    );
  };
  return {
    op: batchByLane({ key: lane, ...options }, handler),
    calls,
    get maxActive() {
      return maxActive;
    },
  };
}

describe('batchByLane in virtual time', () => {
  describe('maxWait', () => {
    it('size wins before the timer, and the timer is cancelled', () => {
      const ts = scheduler();
      ts.run(({ cold, expectObservable }) => {
        const t = setup(ts, { size: 3, maxWait: 5 });
        const source = cold('xyz 9ms |', { x: 'a0', y: 'a1', z: 'a2' });
        expectObservable(source.pipe(t.op)).toBe('--(abc) 5ms |', { a: S('a0'), b: S('a1'), c: S('a2') });
      });
    });

    it('the timer runs from the first message into an empty lane, not from the latest one', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 5, maxWait: 5 });
      ts.run(({ cold, expectObservable }) => {
        const source = cold('x 2ms y 9ms |', { x: 'a0', y: 'a1' });
        expectObservable(source.pipe(t.op)).toBe('----- (ab) 4ms |', { a: S('a0'), b: S('a1') });
      });
      expect(t.calls).toEqual([[5, 'a0 a1']]);
    });

    it('re-arms with the next message after a flush (no periodic timer)', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 5, maxWait: 5 });
      ts.run(({ cold, expectObservable }) => {
        const source = cold('x 6ms y 19ms |', { x: 'a0', y: 'a1' });
        expectObservable(source.pipe(t.op)).toBe('----- a 6ms b 14ms |', { a: S('a0'), b: S('a1') });
      });
      expect(t.calls).toEqual([
        [5, 'a0'],
        [12, 'a1'],
      ]);
    });

    it('each lane has its own timer', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 5, maxWait: 4, ordered: false });
      ts.run(({ cold, expectObservable }) => {
        const source = cold('x-y 9ms |', { x: 'a0', y: 'b0' });
        expectObservable(source.pipe(t.op)).toBe('----a-b 5ms |', { a: S('a0'), b: S('b0') });
      });
    });

    it('a timer that fires while the lane runs flushes it as soon as its batch settles', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 5, maxWait: 3 }, (_b, call) => (call === 0 ? 10 : 0));
      ts.run(({ cold, expectObservable }) => {
        const source = cold('x 3ms y 20ms |', { x: 'a0', y: 'a1' });
        // a0 flushes at 3 and runs until 13; a1 arrives at 4, its timer fires at 7 while a runs.
        expectObservable(source.pipe(t.op)).toBe('------------- (ab) 8ms |', { a: S('a0'), b: S('a1') });
      });
      expect(t.calls).toEqual([
        [3, 'a0'],
        [13, 'a1'],
      ]);
    });

    it('messages left behind by a flush start a new maxWait period at the flush', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 2, maxWait: 5 }, (_b, call) => (call === 0 ? 10 : 1));
      ts.run(({ cold }) => {
        // a0 a1 fill a batch at 1 (runs until 11); a2 a3 fill the next, a4 waits behind them.
        const source = cold('vwxyz 30ms |', { v: 'a0', w: 'a1', x: 'a2', y: 'a3', z: 'a4' });
        source.pipe(t.op).subscribe();
      });
      // [a2 a3] runs when [a0 a1] settles at 11; a4's period restarts then: it flushes at 16 (not at 12).
      expect(t.calls).toEqual([
        [1, 'a0 a1'],
        [11, 'a2 a3'],
        [16, 'a4'],
      ]);
    });

    it('maxWait 0 flushes what arrived in the same instant as one batch', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 10, maxWait: 0 });
      ts.run(({ cold, expectObservable }) => {
        const source = cold('(xy) 3ms z 3ms |', { x: 'a0', y: 'a1', z: 'a2' });
        expectObservable(source.pipe(t.op)).toBe('(ab) 3ms c 3ms |', { a: S('a0'), b: S('a1'), c: S('a2') });
      });
      expect(t.calls).toEqual([
        [0, 'a0 a1'],
        [7, 'a2'],
      ]);
    });
  });

  it('behaves as the diagram in its TSDoc shows', () => {
    const ts = scheduler();
    const t = setup(ts, { size: 2, maxWait: 4 }, () => 2);
    ts.run(({ cold, expectObservable }) => {
      const source = cold('-abc---d--|', { a: 'x1', b: 'y1', c: 'x2', d: 'x3' });
      expectObservable(source.pipe(t.op)).toBe('-----A--(BC)(D|)', { A: S('x1'), B: S('y1'), C: S('x2'), D: S('x3') });
    });
    expect(t.calls).toEqual([
      [3, 'x1 x2'], // size
      [6, 'y1'], // maxWait: y1 arrived at 2
      [10, 'x3'], // completion
    ]);
  });

  it('keeps input order across lanes: a settled message waits for every earlier one', () => {
    const ts = scheduler();
    const t = setup(ts, { size: 2 }, () => 2);
    const out: [number, string][] = [];
    ts.run(({ cold }) => {
      const source = cold('abcde|', { a: 'a1', b: 'b1', c: 'a2', d: 'a3', e: 'b2' });
      source.pipe(t.op).subscribe({ next: (s) => out.push([ts.now(), s.value]), complete: () => out.push([ts.now(), '|']) });
    });
    // a1 at 4; b1 a2 at 6 (b2 waits for a3, which is earlier in input order); a3 b2 and completion at 7
    expect(out).toEqual([
      [4, 'a1'],
      [6, 'b1'],
      [6, 'a2'],
      [7, 'a3'],
      [7, 'b2'],
      [7, '|'],
    ]);
    expect(t.calls).toEqual([
      [2, 'a1 a2'],
      [4, 'b1 b2'],
      [5, 'a3'],
    ]);
  });

  it('flushes every partial batch when the source completes', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const t = setup(ts, { size: 5 });
      const source = cold('xyz|', { x: 'a0', y: 'b0', z: 'a1' });
      expectObservable(source.pipe(t.op)).toBe('---(abc|)', { a: S('a0'), b: S('b0'), c: S('a1') });
    });
  });

  it('ordered: settlements in input order; unordered: as each batch settles', () => {
    const latency = (batch: readonly string[]) => (lane(batch[0]!) === 'a' ? 5 : 1);
    const ts = scheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('(xy) 9ms |', { x: 'a0', y: 'b0' });
      expectObservable(source.pipe(setup(ts, { size: 1 }, latency).op)).toBe('-----(ab) 4ms |', { a: S('a0'), b: S('b0') });
      expectObservable(source.pipe(setup(ts, { size: 1, ordered: false }, latency).op)).toBe('-b---a 7ms |', { a: S('a0'), b: S('b0') });
    });
  });

  it('runs at most `concurrency` handler calls at once, lanes in the order they became ready', () => {
    const ts = scheduler();
    const t = setup(ts, { size: 1, concurrency: 2 }, () => 4);
    ts.run(({ cold }) => {
      cold('(wxyz) 20ms |', { w: 'a0', x: 'b0', y: 'c0', z: 'd0' }).pipe(t.op).subscribe();
    });
    expect(t.calls).toEqual([
      [0, 'a0'],
      [0, 'b0'],
      [4, 'c0'],
      [4, 'd0'],
    ]);
    expect(t.maxActive).toBe(2);
  });

  it('a lane never overlaps two batches: its next batch starts when the previous one settles', () => {
    const ts = scheduler();
    const t = setup(ts, { size: 2 }, () => 6);
    ts.run(({ cold }) => {
      cold('(vwxyz) 20ms |', { v: 'a0', w: 'a1', x: 'a2', y: 'a3', z: 'b0' }).pipe(t.op).subscribe();
    });
    expect(t.calls).toEqual([
      [0, 'a0 a1'],
      [6, 'a2 a3'],
      [27, 'b0'], // completion flush
    ]);
  });

  it('holds at most maxInFlight messages: admission waits for settlements to be emitted', () => {
    const ts = scheduler();
    const t = setup(ts, { size: 2, maxInFlight: 4 }, () => 5);
    const admitted: number[] = [];
    let inside = 0;
    let maxInside = 0;
    ts.run(({ cold }) => {
      const source = cold('(abcdefgh) 20ms |', { a: 'a0', b: 'a1', c: 'b0', d: 'b1', e: 'c0', f: 'c1', g: 'd0', h: 'd1' });
      source
        .pipe(
          batchByLane(
            {
              key: (v: string) => {
                admitted.push(ts.now());
                maxInside = Math.max(maxInside, ++inside);
                return lane(v);
              },
              size: 2,
              maxInFlight: 4,
            },
            (batch) => timer(5).pipe(map(() => [...batch])),
          ),
        )
        .subscribe(() => inside--);
      source.pipe(t.op).subscribe();
    });
    expect(admitted).toEqual([0, 0, 0, 0, 5, 5, 5, 5]);
    expect(maxInside).toBe(4);
    expect(t.calls.map(([time]) => time)).toEqual([0, 0, 5, 5]);
  });

  describe('never stalls', () => {
    it('with the window full, nothing running and no lane at size, the lane of the oldest message flushes', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 10, maxInFlight: 3 });
      ts.run(({ hot, expectObservable }) => {
        const source = hot('xyz--w', { x: 'a0', y: 'b0', z: 'c0', w: 'd0' });
        // At 2 the window is full: a (oldest) flushes. At 5 it is full again: b (now oldest) flushes.
        expectObservable(source.pipe(t.op)).toBe('--a--b', { a: S('a0'), b: S('b0') });
      });
      expect(t.calls).toEqual([
        [2, 'a0'],
        [5, 'b0'],
      ]);
    });

    it('a window smaller than size flushes partial batches while it is full', () => {
      const ts = scheduler();
      const t = setup(ts, { size: 5, maxInFlight: 2 }, () => 1);
      ts.run(({ cold }) => {
        cold('(abcde) 20ms |', { a: 'a0', b: 'a1', c: 'a2', d: 'a3', e: 'a4' }).pipe(t.op).subscribe();
      });
      expect(t.calls).toEqual([
        [0, 'a0 a1'],
        [1, 'a2 a3'],
        [27, 'a4'], // at 2 only a4 is inside: the window is not full, so it waits for completion
      ]);
    });

    it('in ordered mode, the message blocking the head of the output is flushed', () => {
      const ts = scheduler();
      // b fills its batches; a's single message blocks the ordered output and fills the window.
      const t = setup(ts, { size: 2, maxInFlight: 3 }, () => 1);
      ts.run(({ hot, expectObservable }) => {
        const source = hot('xyz', { x: 'a0', y: 'b0', z: 'b1' });
        expectObservable(source.pipe(t.op)).toBe('----(abc)', { a: S('a0'), b: S('b0'), c: S('b1') });
      });
      expect(t.calls).toEqual([
        [2, 'b0 b1'],
        [3, 'a0'], // at 3 [b0 b1] settled but waits behind a0: nothing runs, window full
      ]);
    });
  });

  it('subscribes to each handler Observable once and unsubscribes running ones on teardown', () => {
    const ts = scheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const inner = cold<string[]>('----(r|)', { r: ['X'] });
      const source = cold('x-y 20ms |', { x: 'a0', y: 'b0' });
      const out = source.pipe(batchByLane({ key: lane, size: 1 }, () => inner));
      expectObservable(out, '^ 5ms !').toBe('----a-', { a: { value: 'a0', key: 'a', ok: true, result: 'X' } });
      expectSubscriptions(inner.subscriptions).toBe(['^---!', '--^---!']);
      expectSubscriptions(source.subscriptions).toBe('^ 5ms !');
    });
  });
});
