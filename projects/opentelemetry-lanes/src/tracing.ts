import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { isObservable, Observable } from 'rxjs';
import type { JetStreamDelivery, JetStreamHandler } from 'rxjs-lanes/jetstream';
import type { KafkaDelivery, KafkaHandler } from 'rxjs-lanes/kafka';

/** Settings of the handler wrappers. */
export interface TraceHandlerOptions {
  /** The tracer spans are made with (e.g. `trace.getTracer('my-service')`). */
  tracer: Tracer;
  /** The span name; default `"<subject or topic> process"` (OpenTelemetry's messaging convention). */
  spanName?: string;
}

/** Reads W3C `traceparent` / `tracestate` (or whatever the global propagator reads) from NATS headers. */
const natsGetter: TextMapGetter<JetStreamDelivery['headers']> = {
  keys: (headers) => headers?.keys() ?? [],
  get: (headers, key) => {
    if (headers === undefined) return undefined;
    // NATS header names are case-sensitive; the propagators ask in lower case.
    const name = headers.keys().find((k) => k.toLowerCase() === key);
    return name === undefined ? undefined : headers.get(name);
  },
};

type KafkaHeaderMap = NonNullable<KafkaDelivery['message']['headers']>;
/** Reads trace context from Kafka headers (Buffers or strings; the first value of a repeated header). */
const kafkaGetter: TextMapGetter<KafkaHeaderMap | undefined> = {
  keys: (headers) => Object.keys(headers ?? {}),
  get: (headers, key) => {
    if (headers === undefined) return undefined;
    const name = Object.keys(headers).find((k) => k.toLowerCase() === key);
    const value = name === undefined ? undefined : headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/**
 * Wraps a `consumeJetStream` handler: each delivery runs in a CONSUMER span whose parent is the context
 * propagated in the message's headers (W3C `traceparent` with the default propagator), and the handler runs
 * with that span active. The span ends when the handler's result settles (its Promise, or its Observable's
 * first value or completion); a failure is recorded on it (exception, status ERROR) and passed on unchanged.
 */
export function traceJetStreamHandler<K>(handler: JetStreamHandler<K>, options: TraceHandlerOptions): JetStreamHandler<K> {
  checkOptions('traceJetStreamHandler', handler, options);
  return (delivery, context) => {
    const parent = propagation.extract(ROOT_CONTEXT, delivery.headers, natsGetter);
    const attributes: Attributes = {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': delivery.subject,
      'messaging.message.delivery.attempt': delivery.info.deliveryCount,
      'messaging.nats.stream.sequence': delivery.info.streamSequence,
    };
    return inSpan(options, options.spanName ?? `${delivery.subject} process`, parent, attributes, () => handler(delivery, context));
  };
}

/**
 * Wraps a `consumeKafka` handler: like {@link traceJetStreamHandler}, with the context of the Kafka
 * message's headers and Kafka's messaging attributes (topic, partition, offset, key).
 */
export function traceKafkaHandler<K>(handler: KafkaHandler<K>, options: TraceHandlerOptions): KafkaHandler<K> {
  checkOptions('traceKafkaHandler', handler, options);
  return (delivery, context) => {
    const parent = propagation.extract(ROOT_CONTEXT, delivery.message.headers, kafkaGetter);
    const attributes: Attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': delivery.topic,
      'messaging.destination.partition.id': String(delivery.partition),
      'messaging.kafka.offset': Number(delivery.message.offset),
      'messaging.kafka.message.key': delivery.message.key?.toString() ?? '',
    };
    return inSpan(options, options.spanName ?? `${delivery.topic} process`, parent, attributes, () => handler(delivery, context));
  };
}

function checkOptions(operator: string, handler: unknown, options: TraceHandlerOptions): void {
  if (typeof handler !== 'function') throw new TypeError(`${operator}: handler must be a function, got ${typeof handler}`);
  if (options === null || typeof options !== 'object' || typeof options.tracer?.startSpan !== 'function') {
    throw new TypeError(`${operator}: options.tracer must be an OpenTelemetry Tracer`);
  }
}

/** Runs `work` in a new span under `parent`, ending the span when what it returns settles. */
function inSpan<R>(options: TraceHandlerOptions, name: string, parent: Context, attributes: Attributes, work: () => R): R {
  const span = options.tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
  const active = trace.setSpan(parent, span);
  let result: R;
  try {
    result = otelContext.with(active, work);
  } catch (error) {
    fail(span, error);
    throw error;
  }
  if (isObservable(result)) {
    const source = result;
    return new Observable((subscriber) => {
      let ended = false;
      const end = (error?: unknown): void => {
        if (ended) return;
        ended = true;
        if (error === undefined) span.end();
        else fail(span, error);
      };
      const subscription = otelContext.with(active, () =>
        source.subscribe({
          next: (value) => {
            end();
            subscriber.next(value);
          },
          error: (error: unknown) => {
            end(error);
            subscriber.error(error);
          },
          complete: () => {
            end();
            subscriber.complete();
          },
        }),
      );
      return () => {
        subscription.unsubscribe();
        end(); // torn down before it settled (the subscription ended)
      };
    }) as R;
  }
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    return (result as unknown as PromiseLike<unknown>).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        fail(span, error);
        throw error;
      },
    ) as R;
  }
  span.end();
  return result;
}

function fail(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.end();
}
