import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom, of, throwError, timer, map } from 'rxjs';
import type { JetStreamDelivery, JetStreamHandlerContext } from 'rxjs-lanes/jetstream';
import type { KafkaDelivery, KafkaHandlerContext } from 'rxjs-lanes/kafka';
import { traceJetStreamHandler, traceKafkaHandler } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = provider.getTracer('test');
after(() => {
  context.disable();
  propagation.disable();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT}-01`;

function natsDelivery(headers: Record<string, string> | undefined): JetStreamDelivery {
  const h = headers && {
    get: (k: string) => headers[k] ?? '',
    has: (k: string) => k in headers,
    keys: () => Object.keys(headers),
    values: (k: string) => (k in headers ? [headers[k]!] : []),
  };
  return { subject: 'orders.1', headers: h, info: { deliveryCount: 2, streamSequence: 17 } } as unknown as JetStreamDelivery;
}

function kafkaDelivery(headers: Record<string, Buffer | string | Buffer[]> | undefined): KafkaDelivery {
  return { topic: 'orders', partition: 3, attempt: 1, message: { key: Buffer.from('k1'), value: null, offset: '42', headers } } as unknown as KafkaDelivery;
}

const natsContext = { key: 'orders.1', signal: new AbortController().signal } as JetStreamHandlerContext<string>;
const kafkaContext = { key: 'k1', signal: new AbortController().signal } as unknown as KafkaHandlerContext<string>;

describe('traceJetStreamHandler', () => {
  it('runs the handler in a CONSUMER span whose parent is the traceparent of the NATS headers', async () => {
    exporter.reset();
    let activeTrace: string | undefined;
    const handler = traceJetStreamHandler(
      async () => {
        activeTrace = trace.getSpan(context.active())?.spanContext().traceId;
        await new Promise((resolve) => setTimeout(resolve, 1));
        return 'ack' as const;
      },
      { tracer },
    );
    assert.equal(await handler(natsDelivery({ traceparent: TRACEPARENT }), natsContext), 'ack');
    const [span] = exporter.getFinishedSpans();
    assert.ok(span);
    assert.equal(span.name, 'orders.1 process');
    assert.equal(span.kind, SpanKind.CONSUMER);
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext?.spanId, PARENT);
    assert.equal(activeTrace, TRACE_ID); // the handler ran with the span active
    assert.deepEqual(span.attributes, {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders.1',
      'messaging.message.delivery.attempt': 2,
      'messaging.nats.stream.sequence': 17,
    });
  });

  it('starts a new trace without headers, and records a failure (thrown, rejected, errored)', async () => {
    exporter.reset();
    const boom = new Error('boom');
    await assert.rejects(async () => traceJetStreamHandler(() => Promise.reject(boom), { tracer })(natsDelivery(undefined), natsContext));
    assert.throws(() =>
      traceJetStreamHandler(
        () => {
          throw boom;
        },
        { tracer },
      )(natsDelivery(undefined), natsContext),
    );
    await assert.rejects(
      lastValueFrom(traceJetStreamHandler(() => throwError(() => boom), { tracer })(natsDelivery(undefined), natsContext) as never),
    );
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 3);
    for (const span of spans) {
      assert.equal(span.parentSpanContext, undefined);
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.equal(span.status.message, 'boom');
      assert.equal(span.events[0]?.name, 'exception');
    }
  });

  it('ends the span of an Observable result at its first value, synchronous results at once', async () => {
    exporter.reset();
    const observable = traceJetStreamHandler(() => timer(2).pipe(map(() => 'term' as const)), { tracer })(natsDelivery({}), natsContext);
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.equal(await lastValueFrom(observable as never), 'term');
    assert.equal(exporter.getFinishedSpans().length, 1);
    traceJetStreamHandler(() => undefined, { tracer })(natsDelivery({}), natsContext);
    assert.equal(await lastValueFrom(traceJetStreamHandler(() => of('ack' as const), { tracer })(natsDelivery({}), natsContext) as never), 'ack');
    assert.equal(exporter.getFinishedSpans().length, 3);
  });

  it('checks its arguments', () => {
    assert.throws(() => traceJetStreamHandler(1 as never, { tracer }), /traceJetStreamHandler: handler must be a function/);
    assert.throws(() => traceJetStreamHandler(() => undefined, {} as never), /options.tracer must be an OpenTelemetry Tracer/);
  });
});

describe('traceKafkaHandler', () => {
  it('takes the parent from Kafka headers (Buffers) and sets the Kafka attributes', async () => {
    exporter.reset();
    const handler = traceKafkaHandler(async () => undefined, { tracer });
    await handler(kafkaDelivery({ traceparent: Buffer.from(TRACEPARENT) }), kafkaContext);
    const [span] = exporter.getFinishedSpans();
    assert.ok(span);
    assert.equal(span.name, 'orders process');
    assert.equal(span.spanContext().traceId, TRACE_ID);
    assert.equal(span.parentSpanContext?.spanId, PARENT);
    assert.deepEqual(span.attributes, {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': 42,
      'messaging.kafka.message.key': 'k1',
    });
  });

  it('reads a repeated header by its first value, and a custom span name', async () => {
    exporter.reset();
    await traceKafkaHandler(async () => undefined, { tracer, spanName: 'save' })(kafkaDelivery({ traceparent: [Buffer.from(TRACEPARENT)] }), kafkaContext);
    const [span] = exporter.getFinishedSpans();
    assert.equal(span!.name, 'save');
    assert.equal(span!.spanContext().traceId, TRACE_ID);
  });
});
