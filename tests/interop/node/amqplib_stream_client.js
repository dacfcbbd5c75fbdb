// Drives Tidings' stream queues with amqplib's promise API, as RabbitMQ's stream docs use amqplib;
// run by tests/Tidings.Amqp.Tests/Interop/Streams/AmqplibStreamTests.cs.
//
// Usage: node amqplib_stream_client.js SCENARIO PORT
// Prints one JSON object on stdout and exits 0; any failure exits non-zero with the error on stderr.
'use strict';

const amqp = require('amqplib');

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function connect(port) {
  return amqp.connect({ protocol: 'amqp', hostname: '127.0.0.1', port, username: 'guest', password: 'guest', heartbeat: 0 });
}

// Consumes on a new channel with prefetch and manual acks; resolves with [offset, body] pairs once count came.
async function consume(connection, queue, offset, count, prefetch, maxOut) {
  const channel = await connection.createChannel();
  await channel.prefetch(prefetch);
  const got = [];
  let out = 0;
  let peak = 0;
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  if (count === 0) resolve();
  await channel.consume(queue, (msg) => {
    out++;
    peak = Math.max(peak, out);
    got.push([Number(msg.properties.headers['x-stream-offset']), msg.content.toString()]);
    // Ack a little later, so several deliveries are out at once and the credit bound shows.
    setTimeout(() => { out--; channel.ack(msg); }, 5);
    if (got.length >= count) resolve();
  }, { noAck: false, arguments: { 'x-stream-offset': offset } });
  await withTimeout(done, 10000, `consume from ${offset}`);
  await sleep(200);
  return { got, peak, channel };
}

// assertQueue with x-queue-type stream, a confirm channel, consumers from first, a number and next.
async function stream(port) {
  const connection = await connect(port);
  const confirm = await connection.createConfirmChannel();
  const queue = 'amqplib.stream';
  await confirm.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  for (let i = 0; i < 50; i++) confirm.sendToQueue(queue, Buffer.from(`m${i}`), { persistent: true });
  await withTimeout(confirm.waitForConfirms(), 10000, 'confirms');

  const first = await consume(connection, queue, 'first', 50, 4);
  const numeric = await consume(connection, queue, 42, 8, 2);
  const next = await consume(connection, queue, 'next', 0, 3);
  for (let i = 50; i < 53; i++) confirm.sendToQueue(queue, Buffer.from(`m${i}`), { persistent: true });
  await withTimeout(confirm.waitForConfirms(), 10000, 'confirms');
  await sleep(300);
  const check = await confirm.checkQueue(queue);
  await connection.close();
  return {
    first: first.got, firstPeak: first.peak, numeric: numeric.got, numericPeak: numeric.peak, next: next.got,
    messageCount: check.messageCount,
  };
}

const scenarios = { stream };

async function main() {
  const [scenario, port] = process.argv.slice(2);
  const result = await withTimeout(scenarios[scenario](Number(port)), 50000, scenario);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
