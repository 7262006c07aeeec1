// Creates the ORDERS stream and the service's durable consumer if they are missing, then publishes a burst
// of order events: `node scripts/publish-orders.mjs [orders=10] [events=20]` (NATS_URL, default
// nats://127.0.0.1:4222). For trying the service by hand; the e2e test sets up its own.
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';

const [orders = 10, events = 20] = process.argv.slice(2).map(Number);
const stream = process.env.ORDERS_STREAM || 'ORDERS';
const durable = process.env.ORDERS_CONSUMER || 'orders-processor';
const nc = await connect({ servers: process.env.NATS_URL || 'nats://127.0.0.1:4222' });
const jsm = await jetstreamManager(nc);
await jsm.streams.info(stream).catch(() => jsm.streams.add({ name: stream, subjects: ['orders.>'] }));
await jsm.consumers.info(stream, durable).catch(() =>
  jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_ack_pending: 256 }),
);
const js = jetstream(nc);
const run = Date.now().toString(36); // fresh order ids on every call
for (let seq = 1; seq <= events; seq++) {
  for (let i = 1; i <= orders; i++) {
    const orderId = `${run}-${i}`;
    await js.publish(`orders.${orderId}`, JSON.stringify({ orderId, seq, type: seq === 1 ? 'created' : 'item-added', amount: seq }));
  }
}
console.log(`published ${orders * events} events of ${orders} orders to ${stream}; consumer ${durable}`);
await nc.drain();
