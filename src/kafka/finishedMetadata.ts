/**
 * The commit-metadata encoding of the messages finished above a partition's commit offset (the option
 * `recordFinished` of consumeKafka): a new owner of the partition reads it back with the committed offset
 * and skips those messages instead of handling them a second time.
 *
 * Format (ASCII): `rxjs-lanes:1:<base>:<ranges>.` where `<base>` is the commit offset the metadata was
 * committed with, and `<ranges>` lists the finished offset ranges above it in ascending order as
 * `<gap>+<length>` pairs separated by `,` (base-36 numbers): a range starts `gap` offsets after the end of
 * the previous one (after `<base>` for the first), and covers `length` offsets. `rxjs-lanes:1:5:1+3,2+1.`
 * with base 5 says 6, 7, 8 and 11 are finished.
 *
 * The final `.` is there to be lost: \@confluentinc/kafka-javascript writes metadata with a trailing NUL
 * byte and drops the last byte when it reads metadata back, so metadata written by kafkajs loses its last
 * character when a confluent consumer reads it. Decoding strips trailing NULs, then one optional `.`.
 *
 * Bounded: at most `maxLength` characters (Kafka's `offset.metadata.max.bytes` defaults to 4096); ranges
 * that do not fit are left out, lowest first kept, so the encoding loses only the knowledge that some
 * higher messages were finished (they are handled again: duplicates, never a loss).
 *
 * Robust: metadata written by anything else, garbage, or metadata whose base is not the committed offset
 * (someone committed after it without metadata) decodes to no ranges.
 */

/** `[start, end)`: the offsets start..end-1. */
export type OffsetRange = readonly [start: number, end: number];

const PREFIX = 'rxjs-lanes:1:';
/** Kafka's default `offset.metadata.max.bytes` is 4096: stay below it. */
export const MAX_METADATA_LENGTH = 4000;
/** Decoding stops reading after this many ranges (a guard against a forged, huge metadata string). */
const MAX_RANGES = 4096;

/**
 * Encodes the finished ranges above `base` (sorted, disjoint, each at or above `base`).
 * Returns `''` (no metadata) when there is nothing to record.
 */
export function encodeFinished(base: number, ranges: readonly OffsetRange[], maxLength = MAX_METADATA_LENGTH): string {
  if (ranges.length === 0) return '';
  let out = `${PREFIX}${base.toString(36)}:`;
  const header = out.length;
  maxLength -= 1; // the final '.'
  let previousEnd = base;
  for (const [start, end] of ranges) {
    if (start < previousEnd || end <= start) continue; // not above what is recorded: skip, never mis-encode
    const pair = `${out.length > header ? ',' : ''}${(start - previousEnd).toString(36)}+${(end - start).toString(36)}`;
    if (out.length + pair.length > maxLength) break;
    out += pair;
    previousEnd = end;
  }
  return out.length > header ? `${out}.` : '';
}

const BASE36 = /^[0-9a-z]{1,11}$/; // 36^11 > 2^53

function parse36(text: string): number | undefined {
  if (!BASE36.test(text)) return undefined;
  const value = parseInt(text, 36);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Decodes metadata committed with offset `committedOffset`. Returns the finished ranges, or `[]` for
 * metadata that is absent, foreign, malformed, or was written for another commit offset.
 */
export function decodeFinished(metadata: unknown, committedOffset: number): OffsetRange[] {
  if (typeof metadata !== 'string' || !metadata.startsWith(PREFIX) || !Number.isSafeInteger(committedOffset)) return [];
  let end = metadata.length;
  while (end > 0 && metadata.charCodeAt(end - 1) === 0) end--;
  if (end > 0 && metadata[end - 1] === '.') end--;
  const body = metadata.slice(PREFIX.length, end);
  const colon = body.indexOf(':');
  if (colon < 0) return [];
  const base = parse36(body.slice(0, colon));
  if (base === undefined || base !== committedOffset) return [];
  const pairs = body.slice(colon + 1).split(',');
  if (pairs.length > MAX_RANGES) return [];
  const ranges: OffsetRange[] = [];
  let previousEnd = base;
  for (const pair of pairs) {
    const plus = pair.indexOf('+');
    if (plus < 0) return [];
    const gap = parse36(pair.slice(0, plus));
    const length = parse36(pair.slice(plus + 1));
    if (gap === undefined || length === undefined || length < 1 || (ranges.length > 0 && gap < 1)) return [];
    const start = previousEnd + gap;
    const end = start + length;
    if (!Number.isSafeInteger(end)) return [];
    ranges.push([start, end]);
    previousEnd = end;
  }
  return ranges;
}
