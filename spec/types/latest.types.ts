// Type-level tests of latest-wins per key (`latest: true`, `onSuperseded`), the (options, project) call form
// and `perKey` as a function of the key; compiled against the packed tarball (scripts/package/types.mjs).
import { expectTypeOf } from 'expect-type';
import { of, type Observable } from 'rxjs';
import { mapAsyncPartitioned, mapAsyncPartitionedUnordered, type ProjectContext, type Superseded } from 'rxjs-lanes';

interface Edit {
  doc: string;
  text: string;
}
const edits = of<Edit>({ doc: 'd1', text: 'x' });

// (options, project): the element and key types flow from `key` into project and onSuperseded.
expectTypeOf(
  edits.pipe(
    mapAsyncPartitioned(
      {
        parallelism: 8,
        key: (e) => e.doc,
        latest: true,
        onSuperseded: (superseded) => {
          expectTypeOf(superseded).toEqualTypeOf<Superseded<Edit, string>>();
          expectTypeOf(superseded.value).toEqualTypeOf<Edit>();
          expectTypeOf(superseded.by).toEqualTypeOf<Edit>();
          expectTypeOf(superseded.key).toEqualTypeOf<string>();
        },
      },
      async (edit, doc, context) => {
        expectTypeOf(edit).toEqualTypeOf<Edit>();
        expectTypeOf(doc).toEqualTypeOf<string>();
        expectTypeOf(context).toEqualTypeOf<ProjectContext>();
        return edit.text.length;
      },
    ),
  ),
).toEqualTypeOf<Observable<number>>();

// One options object with latest: true, unordered.
expectTypeOf(
  edits.pipe(mapAsyncPartitionedUnordered({ parallelism: 8, perKey: 1, key: (e) => e.doc, latest: true, project: (e) => of(e.doc) })),
).toEqualTypeOf<Observable<string>>();

// perKey as a function of the key, in the options and positional forms.
expectTypeOf(
  edits.pipe(
    mapAsyncPartitioned({
      parallelism: 8,
      // `key` before `perKey`: TypeScript infers the key type from the properties in order.
      key: (e) => e.doc,
      perKey: (doc) => {
        expectTypeOf(doc).toEqualTypeOf<string>();
        return doc === 'bulk' ? 4 : 1;
      },
      project: async (e) => e.text,
    }),
  ),
).toEqualTypeOf<Observable<string>>();
expectTypeOf(
  edits.pipe(
    mapAsyncPartitionedUnordered(
      8,
      (doc: string) => (doc === 'bulk' ? 4 : 1),
      (e) => e.doc,
      async (e) => e.text,
    ),
  ),
).toEqualTypeOf<Observable<string>>();

// latest: true with another perKey, and onSuperseded without latest, do not compile.
// @ts-expect-error perKey must be 1 with latest: true
mapAsyncPartitioned({ parallelism: 8, perKey: 2, key: (e: Edit) => e.doc, latest: true, project: async (e: Edit) => e });
// @ts-expect-error onSuperseded needs latest: true
mapAsyncPartitioned({ parallelism: 8, perKey: 1, key: (e: Edit) => e.doc, onSuperseded: () => {}, project: async (e: Edit) => e });
// @ts-expect-error perKey is required without latest
mapAsyncPartitioned({ parallelism: 8, key: (e: Edit) => e.doc }, async (e: Edit) => e);
// @ts-expect-error latest must be a boolean literal true or false
mapAsyncPartitioned({ parallelism: 8, key: (e: Edit) => e.doc, latest: 'yes' }, async (e: Edit) => e);
