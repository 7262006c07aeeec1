import type { KafkaMessageLike } from './client.js';
import type { OffsetTicket } from './CommitTracker.js';
import type { Outcome } from '../broker/Outcome.js';
import type { KafkaDelivery, KafkaHandlerContext, KafkaSettlement } from './types.js';

/** The delivery handed to handlers. */
export class Delivery implements KafkaDelivery {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly message: KafkaMessageLike,
    readonly attempt: number,
  ) {}
}

/** A delivery inside the pipeline; it is also the handler's context (`key`, `signal`). */
export class InFlight<K> implements KafkaHandlerContext<K> {
  key: K = undefined as K;
  constructor(
    readonly delivery: Delivery,
    readonly ticket: OffsetTicket,
    readonly partitionKey: string,
    readonly signal: AbortSignal,
  ) {}
}

export function settlement<K>(item: InFlight<K>, outcome: Outcome, error: unknown, fenced: boolean): KafkaSettlement<K> {
  return { delivery: item.delivery, key: item.key, outcome, error, fenced };
}

/** The key of a topic-partition in the run's maps. */
export const partitionKeyOf = (topic: string, partition: number): string => `${partition}\u0000${topic}`;
