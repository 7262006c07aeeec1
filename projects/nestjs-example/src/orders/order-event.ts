import type { JetStreamDelivery } from 'rxjs-lanes/jetstream';

/** Subjects are `orders.<orderId>`: the order id is the lane key, read from the subject (no parsing needed). */
export const ORDER_SUBJECT_PREFIX = 'orders.';

/** One event of an order, as published: `seq` counts the order's events from 1. */
export interface OrderEvent {
  readonly orderId: string;
  readonly seq: number;
  readonly type: string;
  readonly amount?: number;
}

/** The lane key of a delivery: its order id. */
export function orderIdOf(delivery: Pick<JetStreamDelivery, 'subject'>): string {
  const { subject } = delivery;
  return subject.startsWith(ORDER_SUBJECT_PREFIX) ? subject.slice(ORDER_SUBJECT_PREFIX.length) : subject;
}

/** Parses and validates a delivery's payload; returns the reason when it is not a valid event of its order. */
export function parseOrderEvent(delivery: JetStreamDelivery, orderId: string): OrderEvent | string {
  let value: unknown;
  try {
    value = delivery.json();
  } catch {
    return 'payload is not JSON';
  }
  const event = value as Partial<OrderEvent> | null;
  if (typeof event !== 'object' || event === null) return 'payload is not an object';
  if (event.orderId !== orderId) return `orderId ${JSON.stringify(event.orderId)} does not match the subject`;
  if (!Number.isInteger(event.seq) || event.seq! < 1) return `seq ${JSON.stringify(event.seq)} is not an integer ≥ 1`;
  if (typeof event.type !== 'string') return 'type is missing';
  return event as OrderEvent;
}
