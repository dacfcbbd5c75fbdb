// Drives an SQS endpoint with the AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, which speaks the
// AWS JSON 1.0 protocol: POST with X-Amz-Target: AmazonSQS.<Action>, and checks the MD5s of bodies and
// message attributes itself) and with sqs-consumer, for the SQS API's interop tests. Both are pinned by
// tests/interop/node/package-lock.json (installed by tests/interop/install-tools.sh).
//
// Usage: node tests/interop/node/sqs_scenarios.mjs ENDPOINT_URL SCENARIO
//   ENDPOINT_URL: e.g. http://127.0.0.1:9324 (access key "test", secret "test", region us-east-1)
//   SCENARIO:     basic | system_attribute_names | batch | fifo | longpoll | errors | sqs_consumer | all
//
// Prints one JSON line, {"ok": true, "client": "aws-sdk-js-v3", "scenario": ..., ...} and exits 0, or
// {"ok": false, "client": ..., "scenario": ..., "error": "<reason>"} and exits 1 (2 for bad arguments;
// "all" prints one line per scenario, exit 1 if any failed). Every request is bounded (requestTimeout,
// one attempt) and each scenario by ALARM_MS. Queue names carry a random suffix; each scenario deletes
// the queues it made.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const {
  SQSClient, CreateQueueCommand, GetQueueUrlCommand, DeleteQueueCommand, SendMessageCommand,
  SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageCommand, DeleteMessageBatchCommand,
  GetQueueAttributesCommand, ListQueuesCommand,
} = require('@aws-sdk/client-sqs');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const { Consumer } = require('sqs-consumer');

const ALARM_MS = 60000;
const CLIENT_VERSION = require('@aws-sdk/client-sqs/package.json').version;

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function client(endpoint) {
  return new SQSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    // Above the longest WaitTimeSeconds used (5 s).
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 15000 }),
  });
}

const name = (prefix) => `tidings-interop-js-${prefix}-${randomBytes(5).toString('hex')}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates queues and deletes them all at the end. */
async function withQueues(sqs, body) {
  const urls = [];
  const create = async (QueueName, Attributes) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
    urls.push(QueueUrl);
    return QueueUrl;
  };
  try {
    return await body(create);
  } finally {
    for (const QueueUrl of urls) {
      try { await sqs.send(new DeleteQueueCommand({ QueueUrl })); } catch { /* best effort */ }
    }
  }
}

async function receiveAll(sqs, QueueUrl, expected, extra = {}, deadlineMs = 10000) {
  const got = [];
  const deadline = Date.now() + deadlineMs;
  while (got.length < expected && Date.now() < deadline) {
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: Math.min(10, expected - got.length), WaitTimeSeconds: 1, ...extra,
    }));
    got.push(...(r.Messages ?? []));
  }
  return got;
}

async function isEmpty(sqs, QueueUrl) {
  const r = await sqs.send(new ReceiveMessageCommand({
    QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0,
  }));
  return (r.Messages ?? []).length === 0;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function basic(endpoint) {
  const sqs = client(endpoint);
  return withQueues(sqs, async (create) => {
    const queueName = name('basic');
    const created = await create(queueName);
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    check(QueueUrl === created, `GetQueueUrl gave ${QueueUrl}, CreateQueue gave ${created}`);
    const body = 'hello from aws-sdk-js-v3 \u00e9\u00e8 \u{1F600} <&> "quoted" \\ \t\n';
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    const attributes = {
      greeting: { DataType: 'String', StringValue: 'h\u00e9llo' },
      count: { DataType: 'Number', StringValue: '42' },
      blob: { DataType: 'Binary', BinaryValue: binary },
      kind: { DataType: 'String.custom', StringValue: 'custom-type' },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes: attributes }));
    check(sent.MessageId && sent.MD5OfMessageBody && sent.MD5OfMessageAttributes, `SendMessage answer ${JSON.stringify(sent)}`);
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5, MessageAttributeNames: ['All'], AttributeNames: ['All'],
    }));
    const messages = r.Messages ?? [];
    check(messages.length === 1, `received ${messages.length} messages, expected 1`);
    const m = messages[0];
    check(m.Body === body, `body ${JSON.stringify(m.Body)} != ${JSON.stringify(body)}`);
    check(m.MessageId === sent.MessageId, 'MessageId differs from the sent one');
    check(m.MD5OfBody === sent.MD5OfMessageBody, 'MD5OfBody differs from MD5OfMessageBody');
    const got = m.MessageAttributes ?? {};
    check(same(Object.keys(got).sort(), Object.keys(attributes).sort()), `attribute names ${Object.keys(got)}`);
    check(got.greeting.StringValue === 'h\u00e9llo' && got.greeting.DataType === 'String', `greeting ${JSON.stringify(got.greeting)}`);
    check(got.count.StringValue === '42' && got.count.DataType === 'Number', `count ${JSON.stringify(got.count)}`);
    check(got.blob.DataType === 'Binary' && Buffer.from(got.blob.BinaryValue).equals(Buffer.from(binary)), 'blob differs');
    check(got.kind.StringValue === 'custom-type' && got.kind.DataType === 'String.custom', `kind ${JSON.stringify(got.kind)}`);
    const system = m.Attributes ?? {};
    for (const key of ['SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp']) {
      check(key in system, `system attribute ${key} missing from ${Object.keys(system)}`);
    }
    check(system.ApproximateReceiveCount === '1', `ApproximateReceiveCount ${system.ApproximateReceiveCount}`);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    check(await isEmpty(sqs, QueueUrl), 'queue not empty after DeleteMessage');
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    check(attrs.Attributes.ApproximateNumberOfMessages === '0', `ApproximateNumberOfMessages ${attrs.Attributes.ApproximateNumberOfMessages}`);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: queueName }));
    check((listed.QueueUrls ?? []).includes(QueueUrl), `ListQueues gave ${listed.QueueUrls}`);
    return { attributes: Object.keys(attributes).sort(), md5: 'checked by the SDK' };
  });
}

// ReceiveMessage's MessageSystemAttributeNames (the SDK's current name; AttributeNames, used by basic
// and fifo, is deprecated). local-aws-sqs 2.0.2 ignores it and fails this scenario.
async function systemAttributeNames(endpoint) {
  const sqs = client(endpoint);
  return withQueues(sqs, async (create) => {
    const QueueUrl = await create(name('sysattrs'));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    }));
    check((r.Messages ?? []).length === 1, 'no message received');
    const attrs = r.Messages[0].Attributes ?? {};
    check(same(Object.keys(attrs).sort(), ['ApproximateReceiveCount', 'SentTimestamp']),
      `MessageSystemAttributeNames [SentTimestamp, ApproximateReceiveCount] gave ${JSON.stringify(attrs)}`);
    return { attributes: Object.keys(attrs).sort() };
  });
}

async function batch(endpoint) {
  const sqs = client(endpoint);
  return withQueues(sqs, async (create) => {
    const QueueUrl = await create(name('batch'));
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `m${i}`, MessageBody: `batch message ${i}`,
      MessageAttributes: { index: { DataType: 'Number', StringValue: String(i) } },
    }));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    check((sent.Failed ?? []).length === 0, `SendMessageBatch failures ${JSON.stringify(sent.Failed)}`);
    check(same(sent.Successful.map((e) => e.Id).sort(), entries.map((e) => e.Id).sort()), 'successful ids differ');
    const got = await receiveAll(sqs, QueueUrl, 10, { MessageAttributeNames: ['All'] });
    check(same(got.map((m) => m.Body).sort(), entries.map((e) => e.MessageBody).sort()), `bodies ${got.map((m) => m.Body)}`);
    for (const m of got) {
      check(m.Body === `batch message ${m.MessageAttributes.index.StringValue}`, `attribute index on ${m.Body}`);
    }
    const deleted = await sqs.send(new DeleteMessageBatchCommand({
      QueueUrl, Entries: got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle })),
    }));
    check((deleted.Failed ?? []).length === 0, `DeleteMessageBatch failures ${JSON.stringify(deleted.Failed)}`);
    check(deleted.Successful.length === 10, `${deleted.Successful.length} deletes succeeded`);
    check(await isEmpty(sqs, QueueUrl), 'queue not empty after DeleteMessageBatch');
    return { sent: 10, received: got.length, deleted: 10 };
  });
}

async function fifo(endpoint) {
  const sqs = client(endpoint);
  return withQueues(sqs, async (create) => {
    const QueueUrl = await create(`${name('fifo')}.fifo`, { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const sequence = { a: [], b: [] };
    for (let i = 0; i < 10; i++) {
      const group = i % 2 === 0 ? 'a' : 'b';
      const r = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `${group}-${i}`, MessageGroupId: group }));
      check(r.SequenceNumber, `FIFO SendMessage answer has no SequenceNumber: ${JSON.stringify(r)}`);
      sequence[group].push(BigInt(r.SequenceNumber));
    }
    for (const [group, numbers] of Object.entries(sequence)) {
      check(numbers.every((n, i) => i === 0 || n > numbers[i - 1]), `sequence numbers of group ${group} not increasing`);
    }
    const dup = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a-0', MessageGroupId: 'a' }));
    check(dup.MessageId, 'duplicate send did not succeed');
    const got = [];
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const r = await sqs.send(new ReceiveMessageCommand({
        QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, AttributeNames: ['All'],
      }));
      const msgs = r.Messages ?? [];
      if (msgs.length === 0 && got.length >= 10) break;
      for (const m of msgs) {
        got.push(m);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    const bodies = got.map((m) => m.Body);
    check(bodies.length === 10, `received ${bodies.length} messages, expected 10 (duplicate dropped): ${bodies}`);
    for (const group of ['a', 'b']) {
      const inGroup = bodies.filter((b) => b.startsWith(`${group}-`));
      const expected = Array.from({ length: 10 }, (_, i) => i).filter((i) => (i % 2 === 0) === (group === 'a')).map((i) => `${group}-${i}`);
      check(same(inGroup, expected), `group ${group} order ${inGroup} != ${expected}`);
    }
    for (const m of got) {
      check(m.Attributes?.MessageGroupId === m.Body[0], `MessageGroupId of ${m.Body}: ${m.Attributes?.MessageGroupId}`);
    }
    return { received: bodies.length, groups: 2, duplicate_dropped: true };
  });
}

async function longpoll(endpoint) {
  const sqs = client(endpoint);
  const sender = client(endpoint);
  return withQueues(sqs, async (create) => {
    const QueueUrl = await create(name('longpoll'));
    let started = Date.now();
    const empty = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }));
    const waitedEmpty = (Date.now() - started) / 1000;
    check((empty.Messages ?? []).length === 0, 'empty queue returned a message');
    check(waitedEmpty >= 0.8 && waitedEmpty < 3, `WaitTimeSeconds 1 on an empty queue returned after ${waitedEmpty} s`);
    started = Date.now();
    const sending = sleep(500).then(() => sender.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' })));
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 5 }));
    const waited = (Date.now() - started) / 1000;
    await sending;
    check((r.Messages ?? []).length === 1, `long poll returned no message after ${waited} s`);
    check(r.Messages[0].Body === 'wake up', `body ${r.Messages[0].Body}`);
    check(waited < 2, `long poll returned after ${waited} s, expected < 2 s (message sent at 0.5 s)`);
    check(waited >= 0.4, `long poll returned after ${waited} s, before the message was sent`);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: r.Messages[0].ReceiptHandle }));
    return { empty_wait_s: waitedEmpty, wakeup_s: waited };
  });
}

async function expectError(expectedName, promise, what) {
  try {
    await promise;
  } catch (e) {
    if (e instanceof Failure) throw e;
    check(e.name === expectedName, `${what}: error.name ${e.name}, expected ${expectedName} (${e.message})`);
    return { name: e.name, code: e.Code, status: e.$metadata?.httpStatusCode };
  }
  throw new Failure(`${what} succeeded, expected ${expectedName}`);
}

async function errors(endpoint) {
  const sqs = client(endpoint);
  return withQueues(sqs, async (create) => {
    const missing = name('missing');
    const seen = [];
    const e1 = await expectError('QueueDoesNotExist', sqs.send(new GetQueueUrlCommand({ QueueName: missing })), 'GetQueueUrl');
    check(e1.status === 400, `QueueDoesNotExist HTTP status ${e1.status}`);
    seen.push(e1);
    const QueueUrl = await create(name('errors'));
    const missingUrl = `${QueueUrl.slice(0, QueueUrl.lastIndexOf('/'))}/${missing}`;
    seen.push(await expectError('QueueDoesNotExist',
      sqs.send(new SendMessageCommand({ QueueUrl: missingUrl, MessageBody: 'x' })), 'SendMessage to a missing queue'));
    seen.push(await expectError('BatchEntryIdsNotDistinct', sqs.send(new SendMessageBatchCommand({
      QueueUrl, Entries: [{ Id: 'same', MessageBody: 'one' }, { Id: 'same', MessageBody: 'two' }],
    })), 'SendMessageBatch with duplicate ids'));
    seen.push(await expectError('ReceiptHandleIsInvalid',
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'not-a-receipt-handle' })), 'DeleteMessage'));
    check(await isEmpty(sqs, QueueUrl), 'a batch rejected for duplicate ids still sent messages');
    return { errors: seen };
  });
}

async function sqsConsumer(endpoint) {
  const sqs = client(endpoint);
  return withQueues(sqs, async (create) => {
    const QueueUrl = await create(name('consumer'));
    const total = 20;
    for (let start = 0; start < total; start += 10) {
      const r = await sqs.send(new SendMessageBatchCommand({
        QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `e${i}`, MessageBody: `consumer message ${start + i}` })),
      }));
      check((r.Failed ?? []).length === 0, `SendMessageBatch failures ${JSON.stringify(r.Failed)}`);
    }
    const bodies = new Set();
    const problems = [];
    let handled = 0;
    let deletedEvents = 0;
    let resolveAll;
    const all = new Promise((resolve) => { resolveAll = resolve; });
    const consumer = Consumer.create({
      queueUrl: QueueUrl,
      sqs,
      batchSize: 10,
      waitTimeSeconds: 1,
      pollingWaitTimeMs: 0,
      handleMessage: async (message) => {
        handled++;
        bodies.add(message.Body);
        return message;   // returning the message acknowledges (deletes) it
      },
    });
    consumer.on('message_processed', () => {
      deletedEvents++;
      if (deletedEvents >= total) resolveAll();
    });
    consumer.on('error', (err) => problems.push(`error: ${err.message}`));
    consumer.on('processing_error', (err) => problems.push(`processing_error: ${err.message}`));
    consumer.start();
    const timeout = sleep(20000).then(() => 'timeout');
    const outcome = await Promise.race([all.then(() => 'done'), timeout]);
    // Let the last DeleteMessageBatch finish before stopping.
    await sleep(300);
    consumer.stop({ abort: false });
    await sleep(1200);
    check(problems.length === 0, `sqs-consumer reported ${problems.slice(0, 3).join('; ')}`);
    check(outcome === 'done', `only ${deletedEvents} of ${total} messages processed in 20 s`);
    const expected = Array.from({ length: total }, (_, i) => `consumer message ${i}`);
    check(same([...bodies].sort(), expected.sort()), `bodies handled ${[...bodies].sort()}`);
    check(await isEmpty(sqs, QueueUrl), 'queue not empty: sqs-consumer did not delete what it handled');
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    check(attrs.Attributes.ApproximateNumberOfMessages === '0' && attrs.Attributes.ApproximateNumberOfMessagesNotVisible === '0',
      `approximate counts ${attrs.Attributes.ApproximateNumberOfMessages}/${attrs.Attributes.ApproximateNumberOfMessagesNotVisible}`);
    return { handled, processed: deletedEvents, distinct: bodies.size,
      sqs_consumer: JSON.parse(readFileSync(new URL('./node_modules/sqs-consumer/package.json', import.meta.url))).version };
  });
}

const SCENARIOS = { basic, system_attribute_names: systemAttributeNames, batch, fifo, longpoll, errors, sqs_consumer: sqsConsumer };

async function run(endpoint, scenario) {
  const started = Date.now();
  let timer;
  const alarm = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`scenario took longer than ${ALARM_MS} ms`)), ALARM_MS);
  });
  let result;
  try {
    const details = await Promise.race([SCENARIOS[scenario](endpoint), alarm]);
    result = { ok: true, client: 'aws-sdk-js-v3', scenario, version: CLIENT_VERSION,
      seconds: (Date.now() - started) / 1000, ...details };
  } catch (e) {
    const error = e instanceof Failure ? e.message : `${e.name}: ${e.message}`;
    result = { ok: false, client: 'aws-sdk-js-v3', scenario, error: error.slice(0, 2000) };
  } finally {
    clearTimeout(timer);
  }
  console.log(JSON.stringify(result));
  return result.ok;
}

const [, , endpoint, scenario] = process.argv;
if (!endpoint || !(scenario in SCENARIOS || scenario === 'all') || process.argv.length !== 4) {
  console.error(`usage: node sqs_scenarios.mjs ENDPOINT_URL ${Object.keys(SCENARIOS).join('|')}|all`);
  process.exit(2);
}
let ok = true;
for (const s of scenario === 'all' ? Object.keys(SCENARIOS) : [scenario]) {
  ok = (await run(endpoint, s)) && ok;
}
process.exit(ok ? 0 : 1);
