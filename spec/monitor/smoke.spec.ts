import { TestScheduler } from 'rxjs/testing';
import { mergeMap, of, delay, Subject } from 'rxjs';
import { lanesMonitor, mapAsyncPartitioned } from '../../src';

test('smoke', () => {
  const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
  ts.run(({ cold, hot, flush }) => {
    const events: string[] = [];
    const monitor = lanesMonitor({ onEvent: (e) => events.push(`${e.type}:${e.key}@${e.at} w${e.waitedMs} r${e.ranMs} h${e.heldMs}`) });
    const src = new Subject<string>();
    src.pipe(mapAsyncPartitioned({ parallelism: 3, perKey: 1, key: (v: string) => v[0], project: (v: string) => of(v).pipe(delay(v.length * 10)), monitor })).subscribe();
    src.next('a'); src.next('aa'); src.next('bbbbb'); src.next('c');
    ts.schedule(() => console.log(JSON.stringify(monitor.snapshot())), 5);
    ts.schedule(() => console.log(JSON.stringify(monitor.snapshot())), 15);
    flush();
    console.log(events.join('\n'));
  });
});
