// Drives an SNS-compatible endpoint with the AWS SDK for JavaScript v3 (@aws-sdk/client-sns, AWS Query
// protocol: form-encoded POST, XML answers) together with @aws-sdk/client-sqs on the same endpoint, for
// the SNS-to-SQS fan-out interop tests. Both SDKs are pinned by tests/interop/node/package-lock.json.
//
// Written from AWS's documented SNS behaviour; run against Tidings by tests/Tidings.Sqs.Tests/Sns/SnsInteropTests.cs
// (all four scenarios pass as written, with @aws-sdk/client-sns 3.1178.0, which speaks AWS Query).
//
// Usage: node tests/interop/node/sns_scenarios.mjs ENDPOINT_URL SCENARIO
//   ENDPOINT_URL: e.g. http://127.0.0.1:9324 (access key "test", secret "test", region us-east-1)
//   SCENARIO:     envelope | raw | filter | publish_batch | all
//     envelope       topic + queue + Subscribe(sqs, queue ARN); Publish with Subject and a String and a
//                    Number message attribute; the queue gets the JSON envelope: Type "Notification",
//                    MessageId (= Publish's), TopicArn, Subject, Message, Timestamp, SignatureVersion,
//                    MessageAttributes {name: {Type, Value}}; ListSubscriptionsByTopic shows it;
//                    after Unsubscribe nothing more arrives
//     raw            a subscription with RawMessageDelivery "true" (set by SetSubscriptionAttributes):
//                    the SQS body is the message itself and the SNS message attributes arrive as SQS
//                    message attributes
//     filter         FilterPolicy {"color": ["blue"]} (Subscribe Attributes): a blue message arrives, a red
//                    one and one without the attribute do not
//     publish_batch  PublishBatch of 10 entries, all Successful, all 10 delivered (raw) with their bodies
//
// Prints one JSON line, {"ok": true, "client": "aws-sdk-js-v3-sns", "scenario": ..., ...} and exits 0, or
// {"ok": false, ..., "error": "<reason>"} and exits 1 (2 for bad arguments; "all" prints one line per
// scenario). Every request is bounded and each scenario by ALARM_MS; names carry a random suffix and
// each scenario deletes its topic, subscriptions and queues.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const {
  SNSClient, CreateTopicCommand, DeleteTopicCommand, SubscribeCommand, UnsubscribeCommand, PublishCommand,
  PublishBatchCommand, SetSubscriptionAttributesCommand, GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
} = require('@aws-sdk/client-sns');
const {
  SQSClient, CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, DeleteMessageCommand,
  GetQueueAttributesCommand,
} = require('@aws-sdk/client-sqs');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const ALARM_MS = 60000;
const QUIET_S = 2;   // seconds to wait for something that must NOT arrive
const VERSION = require('@aws-sdk/client-sns/package.json').version;

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

const common = (endpoint) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 15000 }),
});

const name = (prefix) => `tidings-interop-sns-${prefix}-${randomBytes(5).toString('hex')}`;

/** A topic, queues subscribed to it, and cleanup of all of it. */
async function withFixture(endpoint, body) {
  const sns = new SNSClient(common(endpoint));
  const sqs = new SQSClient(common(endpoint));
  const topics = [];
  const subscriptions = [];
  const queues = [];
  const fixture = {
    sns,
    sqs,
    async topic(topicName) {
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName }));
      check(typeof TopicArn === 'string' && TopicArn.startsWith('arn:aws:sns:') && TopicArn.endsWith(`:${topicName}`),
        `CreateTopic gave TopicArn ${TopicArn}`);
      topics.push(TopicArn);
      return TopicArn;
    },
    async queue(queueName) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      queues.push(QueueUrl);
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      const arn = attrs.Attributes?.QueueArn;
      check(arn && arn.startsWith('arn:aws:sqs:'), `QueueArn ${arn}`);
      return { url: QueueUrl, arn };
    },
    async subscribe(TopicArn, queue, Attributes) {
      const r = await sns.send(new SubscribeCommand({
        TopicArn, Protocol: 'sqs', Endpoint: queue.arn, Attributes, ReturnSubscriptionArn: true,
      }));
      check(r.SubscriptionArn && r.SubscriptionArn.startsWith(`${TopicArn}:`),
        `Subscribe gave SubscriptionArn ${r.SubscriptionArn} (expected TOPIC_ARN:ID; SQS subscriptions need no confirmation)`);
      subscriptions.push(r.SubscriptionArn);
      return r.SubscriptionArn;
    },
    async unsubscribe(SubscriptionArn) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
      subscriptions.splice(subscriptions.indexOf(SubscriptionArn), 1);
    },
    /** Receives up to `expected` messages (deleting them) within the deadline. */
    async receive(queue, expected, waitS = 10) {
      const got = [];
      const deadline = Date.now() + waitS * 1000;
      while (got.length < expected && Date.now() < deadline) {
        const r = await sqs.send(new ReceiveMessageCommand({
          QueueUrl: queue.url, MaxNumberOfMessages: Math.min(10, expected - got.length), WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }));
        for (const m of r.Messages ?? []) {
          got.push(m);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle }));
        }
      }
      return got;
    },
    async nothingMore(queue, what) {
      const r = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: queue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: QUIET_S, MessageAttributeNames: ['All'],
      }));
      check((r.Messages ?? []).length === 0, `${what}: got ${JSON.stringify((r.Messages ?? []).map((m) => m.Body))}`);
    },
  };
  try {
    return await body(fixture);
  } finally {
    for (const SubscriptionArn of subscriptions) {
      try { await sns.send(new UnsubscribeCommand({ SubscriptionArn })); } catch { /* best effort */ }
    }
    for (const TopicArn of topics) {
      try { await sns.send(new DeleteTopicCommand({ TopicArn })); } catch { /* best effort */ }
    }
    for (const QueueUrl of queues) {
      try { await sqs.send(new DeleteQueueCommand({ QueueUrl })); } catch { /* best effort */ }
    }
  }
}

function parseEnvelope(body) {
  try {
    return JSON.parse(body);
  } catch {
    throw new Failure(`SQS body is not an SNS JSON envelope: ${body.slice(0, 300)}`);
  }
}

async function envelope(endpoint) {
  return withFixture(endpoint, async (f) => {
    const topicArn = await f.topic(name('envelope'));
    const queue = await f.queue(name('envelope-q'));
    const subscriptionArn = await f.subscribe(topicArn, queue);
    const listed = await f.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    const mine = (listed.Subscriptions ?? []).find((s) => s.SubscriptionArn === subscriptionArn);
    check(mine && mine.Protocol === 'sqs' && mine.Endpoint === queue.arn && mine.TopicArn === topicArn,
      `ListSubscriptionsByTopic gave ${JSON.stringify(listed.Subscriptions)}`);
    const message = 'hello from SNS \u00e9 {"nested": "json"} <&>';
    const published = await f.sns.send(new PublishCommand({
      TopicArn: topicArn, Message: message, Subject: 'greeting',
      MessageAttributes: {
        color: { DataType: 'String', StringValue: 'blue' },
        size: { DataType: 'Number', StringValue: '3' },
      },
    }));
    check(published.MessageId, `Publish answer ${JSON.stringify(published)}`);
    const got = await f.receive(queue, 1);
    check(got.length === 1, `queue got ${got.length} messages, expected the one published`);
    const e = parseEnvelope(got[0].Body);
    check(e.Type === 'Notification', `Type ${e.Type}`);
    check(e.MessageId === published.MessageId, `envelope MessageId ${e.MessageId} != Publish's ${published.MessageId}`);
    check(e.TopicArn === topicArn, `envelope TopicArn ${e.TopicArn}`);
    check(e.Message === message, `envelope Message ${JSON.stringify(e.Message)}`);
    check(e.Subject === 'greeting', `envelope Subject ${e.Subject}`);
    check(typeof e.Timestamp === 'string' && Math.abs(Date.parse(e.Timestamp) - Date.now()) < 300000,
      `envelope Timestamp ${e.Timestamp}`);
    check(e.SignatureVersion !== undefined, 'envelope has no SignatureVersion');
    check(typeof e.UnsubscribeURL === 'string', 'envelope has no UnsubscribeURL');
    const attrs = e.MessageAttributes ?? {};
    check(attrs.color && attrs.color.Type === 'String' && attrs.color.Value === 'blue', `MessageAttributes.color ${JSON.stringify(attrs.color)}`);
    check(attrs.size && attrs.size.Type === 'Number' && attrs.size.Value === '3', `MessageAttributes.size ${JSON.stringify(attrs.size)}`);
    // Not raw: the SNS attributes are in the envelope, not on the SQS message.
    check(Object.keys(got[0].MessageAttributes ?? {}).length === 0,
      `non-raw delivery put SQS message attributes ${JSON.stringify(got[0].MessageAttributes)}`);
    await f.unsubscribe(subscriptionArn);
    await f.sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'after unsubscribe' }));
    await f.nothingMore(queue, 'a message published after Unsubscribe arrived');
    return { envelope_keys: Object.keys(e).sort() };
  });
}

async function raw(endpoint) {
  return withFixture(endpoint, async (f) => {
    const topicArn = await f.topic(name('raw'));
    const queue = await f.queue(name('raw-q'));
    const subscriptionArn = await f.subscribe(topicArn, queue);
    await f.sns.send(new SetSubscriptionAttributesCommand({
      SubscriptionArn: subscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true',
    }));
    const attrs = await f.sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
    check(attrs.Attributes?.RawMessageDelivery === 'true', `GetSubscriptionAttributes ${JSON.stringify(attrs.Attributes)}`);
    check(attrs.Attributes?.TopicArn === topicArn && attrs.Attributes?.Protocol === 'sqs' && attrs.Attributes?.Endpoint === queue.arn,
      `GetSubscriptionAttributes ${JSON.stringify(attrs.Attributes)}`);
    const message = 'raw body, not JSON: <&> \u00e9';
    await f.sns.send(new PublishCommand({
      TopicArn: topicArn, Message: message,
      MessageAttributes: { color: { DataType: 'String', StringValue: 'green' }, n: { DataType: 'Number', StringValue: '12' } },
    }));
    const got = await f.receive(queue, 1);
    check(got.length === 1, `queue got ${got.length} messages, expected 1`);
    check(got[0].Body === message, `raw body ${JSON.stringify(got[0].Body)} != ${JSON.stringify(message)}`);
    const ma = got[0].MessageAttributes ?? {};
    check(ma.color?.DataType === 'String' && ma.color?.StringValue === 'green', `SQS attribute color ${JSON.stringify(ma.color)}`);
    check(ma.n?.DataType === 'Number' && ma.n?.StringValue === '12', `SQS attribute n ${JSON.stringify(ma.n)}`);
    return { raw_body: true, attributes: Object.keys(ma).sort() };
  });
}

async function filter(endpoint) {
  return withFixture(endpoint, async (f) => {
    const topicArn = await f.topic(name('filter'));
    const queue = await f.queue(name('filter-q'));
    const all = await f.queue(name('filter-all'));
    await f.subscribe(topicArn, queue, { FilterPolicy: JSON.stringify({ color: ['blue'] }), RawMessageDelivery: 'true' });
    await f.subscribe(topicArn, all, { RawMessageDelivery: 'true' });
    const publish = (Message, color) => f.sns.send(new PublishCommand({
      TopicArn: topicArn, Message,
      MessageAttributes: color ? { color: { DataType: 'String', StringValue: color } } : undefined,
    }));
    await publish('red one', 'red');
    await publish('no color');
    await publish('blue one', 'blue');
    const got = await f.receive(queue, 1);
    check(got.length === 1 && got[0].Body === 'blue one', `filtered queue got ${JSON.stringify(got.map((m) => m.Body))}`);
    await f.nothingMore(queue, 'messages not matching FilterPolicy {"color": ["blue"]} arrived');
    const everything = await f.receive(all, 3);
    check(JSON.stringify(everything.map((m) => m.Body).sort()) === JSON.stringify(['blue one', 'no color', 'red one']),
      `unfiltered queue got ${JSON.stringify(everything.map((m) => m.Body))}`);
    return { delivered: ['blue one'], filtered_out: ['red one', 'no color'] };
  });
}

async function publishBatch(endpoint) {
  return withFixture(endpoint, async (f) => {
    const topicArn = await f.topic(name('batch'));
    const queue = await f.queue(name('batch-q'));
    await f.subscribe(topicArn, queue, { RawMessageDelivery: 'true' });
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `e${i}`, Message: `batch entry ${i}`,
      MessageAttributes: { i: { DataType: 'Number', StringValue: String(i) } },
    }));
    const r = await f.sns.send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }));
    check((r.Failed ?? []).length === 0, `PublishBatch failures ${JSON.stringify(r.Failed)}`);
    check(JSON.stringify((r.Successful ?? []).map((s) => s.Id).sort()) === JSON.stringify(entries.map((e) => e.Id).sort()),
      `PublishBatch Successful ${JSON.stringify(r.Successful)}`);
    check(r.Successful.every((s) => s.MessageId), 'a Successful entry has no MessageId');
    const got = await f.receive(queue, 10);
    check(JSON.stringify(got.map((m) => m.Body).sort()) === JSON.stringify(entries.map((e) => e.Message).sort()),
      `queue got ${JSON.stringify(got.map((m) => m.Body))}`);
    for (const m of got) {
      check(m.Body === `batch entry ${m.MessageAttributes?.i?.StringValue}`, `attribute i on ${m.Body}`);
    }
    return { published: 10, delivered: got.length };
  });
}

const SCENARIOS = { envelope, raw, filter, publish_batch: publishBatch };

async function run(endpoint, scenario) {
  const started = Date.now();
  let timer;
  const alarm = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`scenario took longer than ${ALARM_MS} ms`)), ALARM_MS);
  });
  let result;
  try {
    const details = await Promise.race([SCENARIOS[scenario](endpoint), alarm]);
    result = { ok: true, client: 'aws-sdk-js-v3-sns', scenario, version: VERSION, seconds: (Date.now() - started) / 1000, ...details };
  } catch (e) {
    const error = e instanceof Failure ? e.message : `${e.name}: ${e.message}`;
    result = { ok: false, client: 'aws-sdk-js-v3-sns', scenario, error: error.slice(0, 2000) };
  } finally {
    clearTimeout(timer);
  }
  console.log(JSON.stringify(result));
  return result.ok;
}

const [, , endpoint, scenario] = process.argv;
if (!endpoint || !(scenario in SCENARIOS || scenario === 'all') || process.argv.length !== 4) {
  console.error(`usage: node sns_scenarios.mjs ENDPOINT_URL ${Object.keys(SCENARIOS).join('|')}|all`);
  process.exit(2);
}
let ok = true;
for (const s of scenario === 'all' ? Object.keys(SCENARIOS) : [scenario]) {
  ok = (await run(endpoint, s)) && ok;
}
process.exit(ok ? 0 : 1);
