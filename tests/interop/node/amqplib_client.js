// Drives Tidings with amqplib's promise API; run by tests/Tidings.Amqp.Tests/Interop/AmqplibTests.cs.
//
// Usage: node amqplib_client.js SCENARIO PORT
// Prints one JSON object on stdout and exits 0; any failure exits non-zero with the error on stderr.
// Bodies come from body(prefix, i), which the C# test recomputes to check they arrived intact.
'use strict';

const amqp = require('amqplib');

function body(prefix, i) {
  if (i === 7) return Buffer.from(Array.from({ length: 256 }, (_, b) => b));
  if (i === 13) {
    return Buffer.concat([Buffer.from(`${prefix}-${i}:`), Buffer.alloc(300 * 1024, 0xab)]);
  }
  return Buffer.from(`${prefix}-${i}:${'é'.repeat(i % 5)}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect(port) {
  return amqp.connect({ protocol: 'amqp', hostname: '127.0.0.1', port, username: 'guest', password: 'guest', heartbeat: 0 });
}

// Publishes 40 messages, consumes them with manual acks and prefetch 5, checks the unacked bound.
async function consume(port) {
  const connection = await connect(port);
  const channel = await connection.createChannel();
  const queue = 'amqplib.work';
  await channel.assertQueue(queue, { durable: false });
  await channel.purgeQueue(queue);
  const count = 40;
  for (let i = 0; i < count; i++) {
    channel.sendToQueue(queue, body('consume', i), {
      messageId: `id-${i}`,
      contentType: 'application/octet-stream',
      headers: { index: i },
      persistent: true,
    });
  }

  await channel.prefetch(5);
  const received = [];
  let unacked = 0;
  let maxUnacked = 0;
  let allReceived;
  const done = new Promise((resolve) => { allReceived = resolve; });
  const { consumerTag } = await channel.consume(queue, (message) => {
    unacked++;
    maxUnacked = Math.max(maxUnacked, unacked);
    received.push({
      body: message.content.toString('base64'),
      messageId: message.properties.messageId,
      deliveryMode: message.properties.deliveryMode,
      index: message.properties.headers.index,
      redelivered: message.fields.redelivered,
    });
    // Ack later, so several deliveries are outstanding at once and prefetch is what limits them.
    setTimeout(() => {
      unacked--;
      channel.ack(message);
      if (received.length === count) allReceived();
    }, 2);
  }, { noAck: false });
  await withTimeout(done, 30000, 'consuming');
  const cancelled = await withTimeout(channel.cancel(consumerTag), 10000, 'cancel');
  const check = await channel.checkQueue(queue);
  await channel.close();
  await connection.close();
  return { received, maxUnacked, cancelledTag: cancelled.consumerTag, consumerTag, remaining: check.messageCount };
}

// A ConfirmChannel: per-message callbacks, waitForConfirms, and a mandatory return.
async function confirm(port) {
  const connection = await connect(port);
  const channel = await connection.createConfirmChannel();
  const queue = 'amqplib.confirm';
  await channel.assertQueue(queue, { durable: false });
  await channel.purgeQueue(queue);

  const acked = [];
  const nacked = [];
  const count = 50;
  const callbacks = [];
  for (let i = 0; i < count; i++) {
    callbacks.push(new Promise((resolve) => {
      channel.sendToQueue(queue, body('confirm', i), {}, (err) => {
        (err ? nacked : acked).push(i);
        resolve();
      });
    }));
  }
  await withTimeout(channel.waitForConfirms(), 30000, 'waitForConfirms');
  await withTimeout(Promise.all(callbacks), 30000, 'confirm callbacks');

  const returned = [];
  channel.on('return', (message) => {
    returned.push({
      replyCode: message.fields.replyCode,
      replyText: message.fields.replyText,
      routingKey: message.fields.routingKey,
      body: message.content.toString('base64'),
    });
  });
  let unroutableConfirmed = null;
  channel.publish('', 'amqplib.no-such-queue', Buffer.from('lost'), { mandatory: true }, (err) => {
    unroutableConfirmed = !err;
  });
  await withTimeout(channel.waitForConfirms(), 30000, 'waitForConfirms after return');

  const drained = [];
  for (let n = 0; n < count + 10; n++) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    drained.push(message.content.toString('base64'));
  }
  await channel.close();
  await connection.close();
  return { acked, nacked, returned, unroutableConfirmed, drained };
}

// Unacked deliveries go back to the queue when the connection closes without closing its channel
// (amqplib sends connection.close straight away): by the time close-ok arrives, as in RabbitMQ.
async function requeueOnClose(port) {
  const queue = 'amqplib.requeue';
  const first = await connect(port);
  const channel = await first.createChannel();
  await channel.assertQueue(queue, { durable: false });
  await channel.purgeQueue(queue);
  const count = 10;
  for (let i = 0; i < count; i++) channel.sendToQueue(queue, body('requeue', i));
  await channel.prefetch(count);
  const firstRound = [];
  let allDelivered;
  const delivered = new Promise((resolve) => { allDelivered = resolve; });
  await channel.consume(queue, (message) => {
    firstRound.push(message);
    if (firstRound.length === count) allDelivered();
  }, { noAck: false });
  await withTimeout(delivered, 30000, 'first deliveries');
  for (const message of firstRound.slice(0, 3)) channel.ack(message);
  // amqplib buffers frames per channel and muxes them, so a connection.close sent right away can
  // overtake these acks on the wire; a round trip on the channel makes sure the broker has them.
  await channel.checkQueue(queue);
  await first.close();

  const second = await connect(port);
  const again = await second.createChannel();
  const secondRound = [];
  for (let n = 0; n < count; n++) {
    const message = await again.get(queue, { noAck: true });
    if (message === false) break;
    secondRound.push({ body: message.content.toString('base64'), redelivered: message.fields.redelivered });
  }
  await second.close();
  return { firstRound: firstRound.map((m) => m.content.toString('base64')), secondRound };
}

// RabbitMQ behaviours the client libraries' own suites test: update-secret is accepted whatever
// the secret (RabbitMQ's internal backend), and binding a missing queue to the default exchange is
// refused with 403 before the missing queue is noticed.
async function conformance(port) {
  const connection = await connect(port);
  await withTimeout(connection.updateSecret(Buffer.from('any new secret'), 'token refresh'), 10000, 'updateSecret');
  const channel = await connection.createChannel();
  const closed = new Promise((resolve) => channel.on('error', (err) => resolve(err.message)));
  let bindError = null;
  try {
    await channel.bindQueue('amqplib.no-such-queue', '', 'k');
  } catch (err) {
    bindError = err.message;
  }
  const channelError = await withTimeout(closed, 10000, 'channel error');
  const after = await connection.createChannel();
  const declared = await after.assertQueue('', { exclusive: true });
  await connection.close();
  return { bindError, channelError, stillUsable: declared.queue.startsWith('amq.gen-') };
}

const scenarios = { consume, confirm, requeueOnClose, conformance };

async function main() {
  const [scenario, port] = process.argv.slice(2);
  const result = await withTimeout(scenarios[scenario](Number(port)), 50000, scenario);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
