/** An array of `length` copies of `fill`, built by appending so V8 keeps it packed (no holes to check). */
export function packed<V>(length: number, fill: V): V[] {
  const array: V[] = [];
  for (let i = 0; i < length; i++) array.push(fill);
  return array;
}

/**
 * {@link packed} for ids, and {@link zeros} for arrival numbers: separate array literals, because V8
 * tracks elements kinds per literal, and one literal shared with the values would make every array of it
 * generic.
 */
export function packedIds<I>(length: number, fill: I): I[] {
  const array: I[] = [];
  for (let i = 0; i < length; i++) array.push(fill);
  return array;
}

export function zeros(length: number): number[] {
  const array: number[] = [];
  for (let i = 0; i < length; i++) array.push(0);
  return array;
}

/** What an empty slot of the reorder buffer's ring holds (no element can be this object). */
export const EMPTY: never = Object.freeze({ empty: true }) as never;
