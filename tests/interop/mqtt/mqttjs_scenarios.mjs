// Drives an MQTT broker with mqtt.js (npm "mqtt", pinned by tests/interop/node/package-lock.json)
// for the MQTT adapter's interop tests (tests/Tidings.Mqtt.Tests, written with the listener).
//
// Usage: node mqttjs_scenarios.mjs HOST PORT SCENARIO [VERSION]
//   SCENARIO: pubsub_tcp      QoS 1 publish/subscribe over TCP (mqtt://HOST:PORT)
//             pubsub_ws       the same over WebSocket (ws://HOST:PORT/mqtt, subprotocol "mqtt")
//             retained        retained replace, delivery with the real topic, clear by empty payload (TCP)
//             retained_ws     the same over WebSocket
//   VERSION:  3.1.1 (default) or 5
//
// Prints one line, "OK <scenario> <version>: ..." and exits 0, or "FAIL <scenario> <version>: <reason>"
// and exits 1 (2 for bad arguments). Each wait is bounded (WAIT_MS), the whole run by ALARM_MS.
// Topics start with a fresh "tidings-interop/<scenario>/<random>/" prefix; retained messages a
// scenario makes are cleared at its end.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

// mqtt.js lives in tests/interop/node/node_modules (installed by install-tools.sh beside amqplib).
const require = createRequire(new URL('../node/package.json', import.meta.url));
const mqtt = require('mqtt');

const WAIT_MS = 5000;
// CONNACK may take longer on a loaded CI machine (node and the broker share two cores with other tests).
const CONNECT_MS = 15000;
const ALARM_MS = 30000;
const QUIET_MS = 1000;

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Failure(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A connected client whose incoming messages queue up for receive(). */
async function connect(url, version) {
  const client = mqtt.connect(url, {
    protocolVersion: version === '5' ? 5 : 4,
    clientId: `tidings-js-${randomBytes(6).toString('hex')}`,
    clean: true,
    reconnectPeriod: 0,          // a lost connection fails the scenario instead of retrying
    connectTimeout: CONNECT_MS,
    keepalive: 30,
    // Over ws:// mqtt.js asks for the WebSocket subprotocol "mqtt" itself (3.1.1 and 5).
  });
  const queued = [];
  const waiters = [];
  client.on('message', (topic, payload, packet) => {
    const message = { topic, payload, qos: packet.qos, retain: packet.retain };
    if (waiters.length > 0) waiters.shift()(message); else queued.push(message);
  });
  await withTimeout(new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
    client.once('close', () => reject(new Failure(`connection to ${url} closed before CONNACK`)));
  }), CONNECT_MS, `CONNACK from ${url}`);
  client.removeAllListeners('error');
  client.removeAllListeners('close');
  client.on('error', () => {});
  client.receive = (what) => queued.length > 0
    ? Promise.resolve(queued.shift())
    : withTimeout(new Promise((resolve) => waiters.push(resolve)), WAIT_MS, `expected ${what}`);
  client.expectNothing = async (what) => {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    check(queued.length === 0, `${what}, but got ${queued.map((m) => `${m.topic} ${m.payload}`).join(', ')}`);
  };
  return client;
}

async function subscribe(client, filter, qos) {
  const granted = await withTimeout(client.subscribeAsync(filter, { qos }), WAIT_MS, `SUBACK for ${filter}`);
  check(granted.length === 1 && granted[0].qos === qos, `SUBACK for ${filter}: ${JSON.stringify(granted)}`);
}

const publish = (client, topic, payload, qos, retain = false) =>
  withTimeout(client.publishAsync(topic, payload, { qos, retain }), WAIT_MS, `PUBACK for ${topic}`);

const close = (...clients) => Promise.all(clients.map((c) => withTimeout(c.endAsync(), WAIT_MS, 'DISCONNECT')));

async function pubsub(url, version, prefix) {
  const sub = await connect(url, version);
  await subscribe(sub, `${prefix}/+/data`, 1);
  const pub = await connect(url, version);
  const sent = [];
  for (let i = 0; i < 10; i++) {
    const topic = `${prefix}/${i % 2 ? 'odd' : 'even'}/data`;
    const payload = Buffer.concat([Buffer.from(`message ${i} é`), Buffer.from([0, 255])]);
    await publish(pub, topic, payload, 1);
    sent.push([topic, payload.toString('hex')]);
  }
  await publish(pub, `${prefix}/odd/other`, 'must not match', 1);
  const got = [];
  for (let i = 0; i < sent.length; i++) got.push(await sub.receive(`message ${i} of ${sent.length}`));
  const gotPairs = got.map((m) => [m.topic, m.payload.toString('hex')]);
  check(JSON.stringify(gotPairs) === JSON.stringify(sent), `received ${JSON.stringify(gotPairs)}, sent ${JSON.stringify(sent)}`);
  check(got.every((m) => m.qos === 1 && !m.retain), `delivered as ${JSON.stringify(got.map((m) => [m.qos, m.retain]))}`);
  await sub.expectNothing('a topic outside the filter must not arrive');
  await close(pub, sub);
  return `10 QoS 1 messages through ${prefix}/+/data in order, intact`;
}

async function retained(url, version, prefix) {
  const pub = await connect(url, version);
  await publish(pub, `${prefix}/r/one`, 'first', 1, true);
  await publish(pub, `${prefix}/r/one`, 'replaced', 1, true);
  await publish(pub, `${prefix}/r/two/deep`, 'second', 1, true);

  const sub = await connect(url, version);
  await subscribe(sub, `${prefix}/r/#`, 1);
  const got = [await sub.receive('a retained message'), await sub.receive('a retained message')]
    .sort((a, b) => (a.topic < b.topic ? -1 : 1));
  const pairs = got.map((m) => [m.topic, m.payload.toString()]);
  check(JSON.stringify(pairs) === JSON.stringify([[`${prefix}/r/one`, 'replaced'], [`${prefix}/r/two/deep`, 'second']]),
    `retained on subscribe: ${JSON.stringify(pairs)}`);
  check(got.every((m) => m.retain), 'retained messages sent on subscribe must have RETAIN set');
  await sub.expectNothing('only the two retained messages');

  await publish(pub, `${prefix}/r/one`, '', 1, true); // clears it
  const cleared = await sub.receive('the clearing publish');
  check(cleared.topic === `${prefix}/r/one` && cleared.payload.length === 0, `clearing publish arrived as ${cleared.topic} ${cleared.payload}`);
  const late = await connect(url, version);
  await subscribe(late, `${prefix}/r/#`, 1);
  const only = await late.receive('the remaining retained message');
  check(only.topic === `${prefix}/r/two/deep` && only.payload.toString() === 'second', `after clear got ${only.topic} ${only.payload}`);
  await late.expectNothing('the cleared topic must not be retained any more');

  await publish(pub, `${prefix}/r/two/deep`, '', 1, true);
  await close(late, sub, pub);
  return 'retained replace, delivery with real topics and RETAIN=1, clear by empty payload';
}

const SCENARIOS = {
  pubsub_tcp: { run: pubsub, ws: false },
  pubsub_ws: { run: pubsub, ws: true },
  retained: { run: retained, ws: false },
  retained_ws: { run: retained, ws: true },
};

async function main(argv) {
  const [host, portText, name, version = '3.1.1'] = argv;
  if (!host || !/^\d+$/.test(portText ?? '') || !SCENARIOS[name] || !['3.1.1', '5'].includes(version)) {
    console.error(`usage: node mqttjs_scenarios.mjs HOST PORT {${Object.keys(SCENARIOS).join('|')}} [3.1.1|5]`);
    return 2;
  }
  const scenario = SCENARIOS[name];
  const url = scenario.ws ? `ws://${host}:${portText}/mqtt` : `mqtt://${host}:${portText}`;
  const prefix = `tidings-interop/${name}/${randomBytes(5).toString('hex')}`;
  const started = Date.now();
  try {
    const what = await withTimeout(scenario.run(url, version, prefix), ALARM_MS, 'the whole scenario');
    console.log(`OK ${name} ${version}: ${what} via ${url} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
    return 0;
  } catch (error) {
    const reason = error instanceof Failure ? error.message : `${error?.name ?? 'Error'}: ${error?.message ?? error}`;
    console.log(`FAIL ${name} ${version}: ${reason}`);
    return 1;
  }
}

// Exit explicitly: a client left half-open by a failure must not keep the process alive.
main(process.argv.slice(2)).then((code) => process.exit(code), (error) => {
  console.log(`FAIL ${process.argv[4] ?? '?'}: ${error}`);
  process.exit(1);
});
