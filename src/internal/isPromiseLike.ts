/** Whether `value` is a thenable: a Promise, or anything with a `then` method. @internal */
export function isPromiseLike<V = unknown>(value: unknown): value is PromiseLike<V> {
  return value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as PromiseLike<V>).then === 'function');
}
