// Drives the web dashboard in headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// login (a wrong password first), overview, the queue list (live count, filter, sort, escaping of
// hostile names, the declare form) and a queue's page (publish form, peek, get, purge, delete),
// then logout. Run by tests/Tidings.Http.Tests/Dashboard/DashboardBrowserTests.cs, which starts the
// broker and declares the queues; by hand:
//
//   TIDINGS_URL=http://127.0.0.1:15672/ DASHBOARD_SCREENSHOT=/tmp/dashboard.png node dashboard.spec.mjs
//
// Environment (or arguments: URL, screenshot path):
//   TIDINGS_URL           the broker's HTTP base URL (required)
//   DASHBOARD_SCREENSHOT  where to save the queue page's screenshot (PNG); -overview.png and
//                         -queues.png are saved beside it, -failure.png when a step fails
//   DASHBOARD_QUEUE       a declared, empty queue in vhost "/" (default dashboard-test)
//   DASHBOARD_HOSTILE_QUEUE  a declared queue whose name is markup (default below)
//   DASHBOARD_STREAM      a stream in vhost "/" with 3 messages, x-max-age 7D and the stored
//                         position "billing" at offset 1 (default dashboard-stream)
//   CHROMIUM              the browser (default /usr/bin/chromium)
// Prints TAP-style lines and "N passed, N failed"; exits 1 when a step fails.

import { chromium } from 'playwright-core';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const baseUrl = process.env.TIDINGS_URL ?? process.argv[2];
const screenshot = path.resolve(process.env.DASHBOARD_SCREENSHOT ?? process.argv[3] ?? 'dashboard.png');
const queueName = process.env.DASHBOARD_QUEUE ?? 'dashboard-test';
const hostileName = process.env.DASHBOARD_HOSTILE_QUEUE ?? '<img src=x onerror=window.__xss=1>&amp;';
const streamName = process.env.DASHBOARD_STREAM ?? 'dashboard-stream';
const declaredName = 'declared-in-browser';
const apiPayload = 'published by the test through the API';
const formPayload = 'hello from the dashboard form ✓';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT = 15000;

if (!baseUrl) {
  console.error('usage: TIDINGS_URL=http://127.0.0.1:PORT/ node dashboard.spec.mjs [url] [screenshot.png]');
  process.exit(2);
}
const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
const sibling = (suffix) => screenshot.replace(/\.png$/i, '') + suffix;

// ---- the API, for setting up and checking what the page did
const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
async function api(method, apiPath, body) {
  const response = await fetch(new URL(`api/${apiPath}`, base), {
    method,
    headers: { Authorization: auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
const queuePath = (name) => `queues/%2F/${encodeURIComponent(name)}`;

// ---- tiny test harness
let passed = 0;
let failed = 0;
let page;

async function step(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok ${passed + failed} - ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`not ok ${passed + failed} - ${name}`);
    console.log(`  ${String(e?.stack ?? e).split('\n').join('\n  ')}`);
    if (page) await page.screenshot({ path: sibling('-failure.png'), fullPage: true }).catch(() => {});
    throw e;
  }
}

/** Polls fn until it returns a truthy value; fails with the last value after the timeout. */
async function waitFor(description, fn, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- the run
const userDataDir = await mkdtemp(path.join(tmpdir(), 'tidings-dashboard-'));
await mkdir(path.dirname(screenshot), { recursive: true });
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 950 },
  timeout: 60000,
});
const pageErrors = [];
try {
  page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[14]/.test(m.text())) console.log(`# console error: ${m.text()}`);
  });

  const nameRow = (name) => page.locator('table.data tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
  const cell = (name, column) => nameRow(name).locator(`td[data-col="${column}"]`);
  const stat = (field) => page.locator(`.stat-value[data-field="${field}"]`);

  await step('the page loads and asks for a login', async () => {
    await page.goto(base);
    await page.getByLabel('Username').waitFor();
    assert(await page.title() === 'Log in · Tidings', `title is ${await page.title()}`);
  });

  await step('a wrong password shows the API\'s refusal on the login form', async () => {
    await page.getByLabel('Username').fill('guest');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Login failed' });
    await alert.waitFor();
  });

  await step('guest logs in and sees the overview', async () => {
    await page.getByLabel('Password').fill('guest');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).waitFor();
    await page.locator('.user', { hasText: 'guest' }).waitFor();
  });

  await step('the overview shows object totals and node memory', async () => {
    const queues = page.locator('a.stat', { hasText: 'Queues' }).locator('.stat-value');
    await waitFor('a queue count of at least 2', async () => Number((await queues.textContent()).replace(/,/g, '')) >= 2);
    await page.getByRole('heading', { name: 'Nodes' }).waitFor();
    await page.locator('.gauge', { hasText: 'Memory' }).waitFor();
    await page.getByRole('img', { name: 'Message rates (per second)' }).waitFor();
  });

  await step('the refresh interval can be set to 2 seconds', async () => {
    await page.getByLabel('Refresh', { exact: true }).selectOption('2000');
  });

  await step('the queue list shows the declared queue with 0 messages', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Queues' }).click();
    await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor();
    await nameRow(queueName).waitFor();
    await waitFor('messages = 0', async () => (await cell(queueName, 'messages').textContent()) === '0');
    assert((await cell(queueName, 'messages_ready').textContent()) === '0', 'ready is not 0');
  });

  await step('a queue name made of markup is shown as text, never run', async () => {
    const link = page.getByRole('link', { name: hostileName, exact: true });
    await link.waitFor();
    assert(await page.locator('table.data img').count() === 0, 'the name became an <img> element');
    assert(await page.evaluate(() => window.__xss) === undefined, 'the name ran script');
  });

  await step('a message published through the API shows as a count of 1', async () => {
    const result = await api('POST', 'exchanges/%2F/amq.default/publish',
      { properties: {}, routing_key: queueName, payload: apiPayload, payload_encoding: 'string' });
    assert(result.status === 200 && result.body?.routed === true, `publish answered ${result.status} ${JSON.stringify(result.body)}`);
    await waitFor('messages = 1', async () => (await cell(queueName, 'messages').textContent()) === '1');
  });

  await step('the filter box narrows the list by name', async () => {
    await page.getByLabel('Filter queues').fill(queueName);
    await waitFor('only the matching row', async () => (await page.locator('table.data tbody tr').count()) === 1 && (await nameRow(queueName).count()) === 1);
    await page.getByLabel('Filter queues').fill('');
    await waitFor('all rows back', async () => (await page.locator('table.data tbody tr').count()) >= 2);
  });

  await step('clicking the Name header sorts the list the other way', async () => {
    const names = () => page.locator('table.data tbody td[data-col="name"]').allTextContents();
    const header = page.getByRole('columnheader', { name: 'Name', exact: true });
    const before = await names();
    assert(await header.getAttribute('aria-sort') === 'ascending', 'the list is not sorted by name');
    await header.getByRole('button').click();
    await waitFor('descending order', async () => JSON.stringify(await names()) === JSON.stringify([...before].reverse()));
    assert(await header.getAttribute('aria-sort') === 'descending', 'aria-sort is not descending');
    await header.getByRole('button').click();
    await waitFor('ascending order', async () => JSON.stringify(await names()) === JSON.stringify(before));
  });

  await step('the virtual host filter lists the queues of one virtual host', async () => {
    await page.getByLabel('Show virtual host').selectOption('/');
    await nameRow(queueName).waitFor();
    await waitFor('only vhost / rows', async () => (await page.locator('table.data tbody td[data-col="vhost"]').allTextContents()).every((v) => v === '/'));
    await page.getByLabel('Show virtual host').selectOption('');
  });

  await step('the declare form adds a queue with arguments', async () => {
    await page.getByLabel('Queue name').fill(declaredName);
    await page.getByLabel('Durability').selectOption('false');
    await page.getByLabel('Arguments (JSON)').fill('{"x-max-length": 10}');
    await page.getByRole('button', { name: 'Add queue' }).click();
    await nameRow(declaredName).waitFor();
    const declared = await api('GET', queuePath(declaredName));
    assert(declared.status === 200, `GET declared queue answered ${declared.status}`);
    assert(declared.body.durable === false, 'declared queue is durable');
    assert(declared.body.arguments?.['x-max-length'] === 10, `arguments are ${JSON.stringify(declared.body.arguments)}`);
    await page.screenshot({ path: sibling('-queues.png'), fullPage: true });
  });

  await step('the queue page shows the queue, its count and its bindings', async () => {
    await page.getByRole('link', { name: queueName, exact: true }).click();
    await waitFor('the queue route', async () => page.url().endsWith(`#/queues/%2F/${encodeURIComponent(queueName)}`));
    await page.getByRole('heading', { name: `Queue ${queueName}`, level: 1 }).waitFor();
    await waitFor('total = 1', async () => (await stat('messages').textContent()) === '1');
    await page.getByRole('table', { name: 'Bindings' }).getByText('(AMQP default)').waitFor();
  });

  await step('the publish form sends a message to the queue', async () => {
    await page.getByLabel('Payload', { exact: true }).fill(formPayload);
    await page.getByLabel('Delivery mode').selectOption('2');
    await page.getByRole('button', { name: 'Publish message' }).click();
    await page.getByText('Message published.').waitFor();
    await waitFor('total = 2', async () => (await stat('messages').textContent()) === '2');
  });

  await step('peeking shows both payloads and leaves them in the queue', async () => {
    await page.getByLabel('Ack mode').selectOption('ack_requeue_true');
    await page.getByLabel('Number of messages').fill('2');
    await page.getByRole('button', { name: 'Get messages' }).click();
    await waitFor('two payloads', async () => (await page.locator('pre.payload').count()) === 2);
    const texts = await page.locator('pre.payload').allTextContents();
    assert(texts[0] === apiPayload && texts[1] === formPayload, `payloads are ${JSON.stringify(texts)}`);
    await waitFor('total still 2', async () => (await stat('messages').textContent()) === '2');
  });

  await step('getting a message shows its payload and removes it', async () => {
    await page.getByLabel('Ack mode').selectOption('ack_requeue_false');
    await page.getByLabel('Number of messages').fill('1');
    await page.getByRole('button', { name: 'Get messages' }).click();
    await waitFor('one payload', async () => (await page.locator('pre.payload').count()) === 1);
    const text = await page.locator('pre.payload').textContent();
    assert(text === apiPayload, `payload is ${JSON.stringify(text)}`);
    await page.getByRole('article', { name: 'Message 1' }).getByText('yes').first().waitFor(); // redelivered after the peek
    await waitFor('total = 1', async () => (await stat('messages').textContent()) === '1');
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  await step('purge asks for confirmation and empties the queue', async () => {
    await page.getByRole('button', { name: 'Purge messages' }).click();
    const dialog = page.getByRole('dialog', { name: 'Purge queue' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Purge' }).click();
    await waitFor('total = 0', async () => (await stat('messages').textContent()) === '0');
    const check = await api('GET', queuePath(queueName));
    assert(check.body.messages === 0, `the API says ${check.body.messages} messages`);
  });

  await step('delete asks for confirmation, can be cancelled, then deletes the queue', async () => {
    await page.goto(`${base}#/queues/%2F/${encodeURIComponent(declaredName)}`);
    await page.getByRole('heading', { name: `Queue ${declaredName}`, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete queue' }).click();
    await page.getByRole('dialog', { name: 'Delete queue' }).getByRole('button', { name: 'Cancel' }).click();
    assert((await api('GET', queuePath(declaredName))).status === 200, 'cancel deleted the queue');
    await page.getByRole('button', { name: 'Delete queue' }).click();
    await page.getByRole('dialog', { name: 'Delete queue' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Queues', level: 1 }).waitFor();
    await waitFor('the queue gone', async () => (await api('GET', queuePath(declaredName))).status === 404);
    await waitFor('its row gone', async () => (await nameRow(declaredName).count()) === 0);
  });

  await step('a stream\'s page shows its offsets, retention and stored positions with lag, and no get or purge', async () => {
    await page.goto(`${base}#/queues/%2F/${encodeURIComponent(streamName)}`);
    await page.getByRole('heading', { name: `Queue ${streamName}`, level: 1 }).waitFor();
    const panel = page.getByRole('region', { name: 'Stream', exact: true });
    await panel.waitFor();
    await panel.getByText('Last offset').waitFor();
    const fact = (term) => panel.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
    await waitFor('last offset 2', async () => (await fact('Last offset').textContent()) === '2');
    assert((await fact('First offset').textContent()) === '0', 'first offset is not 0');
    assert((await fact('Max age').textContent()) === '7D', `max age is ${await fact('Max age').textContent()}`);
    const billing = panel.getByRole('table', { name: 'Stored consumer positions' }).locator('tbody tr', { hasText: 'billing' });
    await waitFor('billing lag 2', async () => (await billing.locator('td[data-field="lag"]').textContent()) === '2');
    assert(!(await page.getByRole('button', { name: 'Get messages' }).isVisible()), 'a stream shows the get form');
    assert(!(await page.getByRole('button', { name: 'Purge messages' }).isVisible()), 'a stream shows the purge button');
    await page.screenshot({ path: sibling('-stream.png'), fullPage: true });
  });

  await step('the overview charts the message rates', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await waitFor('a line in the rates chart', async () => (await page.locator('.chart-svg polyline').count()) > 0);
    const total = page.getByRole('region', { name: 'Queued messages' }).locator('.stat', { hasText: 'Total' }).locator('.stat-value');
    // Reads remove nothing from a stream: its messages are the only ones left queued.
    const kept = (await api('GET', queuePath(streamName))).body.messages;
    await waitFor(`only the stream's ${kept} messages left queued`, async () => (await total.textContent()) === String(kept));
    await page.screenshot({ path: sibling('-overview.png'), fullPage: true });
  });

  await step('logout forgets the credentials and shows the login', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You have logged out.').waitFor();
    const stored = await page.evaluate(() => Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)).join(' '));
    assert(!stored.includes('guest'), `sessionStorage still holds the credentials: ${stored}`);
    await page.reload();
    await page.getByLabel('Username').waitFor();
  });

  await step('no script error happened on the page', async () => {
    assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
  });
} catch {
  // The failing step reported itself; the summary below counts it.
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
