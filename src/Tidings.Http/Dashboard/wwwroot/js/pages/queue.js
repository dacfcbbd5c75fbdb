// One queue: GET /api/queues/{vhost}/{name} (properties, arguments, counts, consumer_details),
// its bindings (GET /api/queues/{vhost}/{name}/bindings, else /api/bindings/{vhost} filtered),
// and forms to bind, publish (POST /api/exchanges/{vhost}/amq.default/publish with the queue's
// name as routing key), get or peek (POST .../get), purge (DELETE .../contents) and delete.
// A stream (type "stream") also shows its "stream" object: size, offsets, retention, stored
// positions with their lag and live consumers' offsets; it has no get or purge (RabbitMQ refuses both).

import { h, fill, field, select, checkbox } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import { LineChart } from '../chart.js';
import { confirmDialog, notify } from '../dialog.js';
import { queueFeatures } from './queues.js';
import { WINDOW_MS } from '../history.js';

const GET_MODES = [
  ['ack_requeue_true', 'Peek: requeue the messages (ack_requeue_true)'],
  ['ack_requeue_false', 'Get: remove the messages (ack_requeue_false)'],
  ['reject_requeue_true', 'Reject and requeue (reject_requeue_true)'],
  ['reject_requeue_false', 'Reject: dead-letter or drop (reject_requeue_false)'],
];

/** Parses an optional JSON object from a textarea; throws with the field's name. */
function jsonObject(textarea, what) {
  const text = textarea.value.trim();
  if (!text) return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} must be a JSON object (${e.message}).`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON object.`);
  return value;
}

function definitionList(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
}

function keyValueTable(object, emptyText, caption) {
  const entries = object && typeof object === 'object' ? Object.entries(object) : [];
  if (entries.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h('table', { class: 'data compact' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('tbody', null, entries.map(([key, value]) => h('tr', null, h('th', { scope: 'row' }, key), h('td', { class: 'mono' }, fmt.text(value))))));
}

function messageCard(message, index) {
  const props = message.properties && typeof message.properties === 'object' ? message.properties : {};
  const payload = typeof message.payload === 'string' ? message.payload : fmt.text(message.payload);
  return h('article', { class: 'message', 'aria-label': `Message ${index + 1}` },
    h('h3', null, `Message ${index + 1}`),
    definitionList([
      ['Exchange', fmt.exchangeName(message.exchange ?? '')],
      ['Routing key', fmt.text(message.routing_key)],
      ['Redelivered', fmt.yesNo(message.redelivered)],
      ['Messages left in queue', fmt.count(message.message_count)],
      ['Payload', `${fmt.count(message.payload_bytes)} bytes, encoding ${fmt.text(message.payload_encoding)}`],
    ]),
    Object.keys(props).length ? h('details', { class: 'properties' },
      h('summary', null, 'Properties'),
      keyValueTable(props, 'No properties.', 'Message properties')) : null,
    h('pre', { class: 'payload', 'aria-label': 'Message payload' }, payload));
}

function offsetTable(rows, caption, emptyText, nameLabel, nameOf) {
  if (rows.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'data compact' },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', null, h('tr', null, [nameLabel, 'Next offset', 'Lag'].map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', null, rows.map((r) => h('tr', null,
      h('td', { class: 'mono' }, fmt.text(nameOf(r))),
      h('td', { class: 'num' }, fmt.count(r.offset)),
      h('td', { class: 'num', dataset: { field: 'lag' } }, fmt.count(r.lag)))))));
}

/** The "stream" object of a stream queue: facts, retention, stored positions and live consumers. */
function streamDetails(s) {
  const retention = s.retention && typeof s.retention === 'object' ? s.retention : {};
  const positions = Array.isArray(s.consumer_positions) ? s.consumer_positions : [];
  const live = Array.isArray(s.live_consumers) ? s.live_consumers : [];
  const offset = (value) => (value === null || value === undefined ? '—' : fmt.count(value));
  return [
    h('div', { class: 'two-columns' },
      h('div', null, definitionList([
        ['Size on disk', fmt.bytes(s.size_bytes)],
        ['Segments', fmt.count(s.segments)],
        ['First offset', offset(s.first_offset)],
        ['Last offset', offset(s.last_offset)],
        ['Next offset', offset(s.next_offset)],
        ['Oldest message', s.first_timestamp ? fmt.dateTime(s.first_timestamp) : '—'],
      ])),
      h('div', null, h('h3', null, 'Retention'), definitionList([
        ['Max age', retention.max_age ? fmt.text(retention.max_age) : 'none'],
        ['Max length', retention.max_length_bytes ? fmt.bytes(retention.max_length_bytes) : 'none'],
        ['Max segment size', fmt.bytes(retention.max_segment_size_bytes)],
      ]))),
    h('h3', null, 'Stored consumer positions'),
    offsetTable(positions, 'Stored consumer positions', 'No stored positions.', 'Name', (r) => r.name),
    h('h3', null, 'Live consumers'),
    offsetTable(live, 'Live consumers\' offsets', 'No live consumers.', 'Consumer tag', (r) => r.consumer_tag),
  ];
}

export function queuePage(params, ctx) {
  const { vhost, name } = params;
  const queuePath = ['queues', vhost, name];
  let queue = null;
  let gone = false;

  const title = h('h1', null, h('span', { class: 'muted' }, 'Queue '), name);
  const subtitle = h('p', { class: 'summary' }, `Virtual host ${vhost}`);
  const notFound = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const counts = h('div', { class: 'stats' });
  const properties = h('div');
  const argumentsBox = h('div');
  const rates = h('div');
  const consumers = h('div');
  const bindings = h('div');
  const streamBox = h('div');
  const streamPanel = h('section', { class: 'panel', 'aria-labelledby': 'stream-title', hidden: true },
    h('h2', { id: 'stream-title' }, 'Stream'), streamBox);
  const chartPoints = [];
  const chart = new LineChart({
    label: 'Messages in this queue',
    series: [{ key: 'ready', label: 'Ready' }, { key: 'unacked', label: 'Unacknowledged' }],
    format: fmt.count,
    integer: true,
  });

  // ---- bind form
  const bindSource = h('input', { name: 'source', required: true, autocomplete: 'off', spellcheck: 'false' });
  const bindKey = h('input', { name: 'routing_key', autocomplete: 'off', spellcheck: 'false' });
  const bindArgs = h('textarea', { name: 'arguments', rows: 2, spellcheck: 'false', placeholder: '{"x-match": "all"}' });
  const bindError = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const bindForm = h('form', { class: 'form-grid', 'aria-label': 'Add a binding' },
    h('h3', { class: 'wide' }, 'Add a binding to this queue'),
    field('From exchange', bindSource),
    field('Binding routing key', bindKey),
    h('div', { class: 'wide' }, field('Binding arguments (JSON)', bindArgs)),
    bindError,
    h('div', { class: 'actions wide' }, h('button', { type: 'submit', class: 'button' }, 'Bind')));
  bindForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    bindError.hidden = true;
    try {
      const args = jsonObject(bindArgs, 'Binding arguments');
      await api.post(api.apiPath(['bindings', vhost, 'e', bindSource.value, 'q', name]), { routing_key: bindKey.value, arguments: args });
      notify(`Bound to exchange "${bindSource.value}".`, 'success');
      bindSource.value = '';
      bindKey.value = '';
      await refreshBindings();
    } catch (e) {
      if (e.status === 401) return;
      bindError.textContent = `Could not bind: ${e.message}`;
      bindError.hidden = false;
    }
  });

  // ---- publish form
  const deliveryMode = select([['1', 'Non-persistent (1)'], ['2', 'Persistent (2)']], { name: 'delivery_mode' });
  const headers = h('textarea', { name: 'headers', rows: 2, spellcheck: 'false', placeholder: '{"x-trace": "abc"}' });
  const extraProps = h('textarea', { name: 'properties', rows: 2, spellcheck: 'false', placeholder: '{"content_type": "application/json", "correlation_id": "42"}' });
  const payload = h('textarea', { name: 'payload', rows: 5, spellcheck: 'false' });
  const payloadEncoding = select([['string', 'String (UTF-8)'], ['base64', 'Base64']], { name: 'payload_encoding' });
  const publishError = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const publishButton = h('button', { type: 'submit', class: 'button primary' }, 'Publish message');
  const publishForm = h('form', { class: 'panel form-grid', 'aria-labelledby': 'publish-title' },
    h('h2', { id: 'publish-title', class: 'wide' }, 'Publish message'),
    h('p', { class: 'muted wide' }, 'Sent through the default exchange with the queue name as routing key.'),
    field('Delivery mode', deliveryMode),
    field('Payload encoding', payloadEncoding),
    h('div', { class: 'wide' }, field('Headers (JSON)', headers)),
    h('div', { class: 'wide' }, field('Properties (JSON)', extraProps, 'content_type, content_encoding, priority, correlation_id, reply_to, expiration, message_id, timestamp, type, user_id, app_id')),
    h('div', { class: 'wide' }, field('Payload', payload)),
    publishError,
    h('div', { class: 'actions wide' }, publishButton));
  publishForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    publishError.hidden = true;
    publishButton.disabled = true;
    try {
      const props = { ...jsonObject(extraProps, 'Properties'), delivery_mode: Number(deliveryMode.value) };
      const headerValues = jsonObject(headers, 'Headers');
      if (Object.keys(headerValues).length) props.headers = headerValues;
      const result = await api.post(api.apiPath(['exchanges', vhost, 'amq.default', 'publish']), {
        properties: props,
        routing_key: name,
        payload: payload.value,
        payload_encoding: payloadEncoding.value,
      });
      if (result && result.routed === false) notify('Message published, but not routed.', 'error');
      else notify('Message published.', 'success');
      await refresh();
    } catch (e) {
      if (e.status === 401) return;
      publishError.textContent = `Could not publish: ${e.message}`;
      publishError.hidden = false;
    } finally {
      publishButton.disabled = false;
    }
  });

  // ---- get form
  const getCount = h('input', { name: 'count', type: 'number', min: 1, max: 1000, value: '1', required: true });
  const ackMode = select(GET_MODES, { name: 'ackmode' });
  const encoding = select([['auto', 'Auto: string or base64'], ['base64', 'Base64']], { name: 'encoding' });
  const truncate = h('input', { name: 'truncate', type: 'number', min: 1, value: '50000' });
  const getError = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const messages = h('div', { class: 'messages', 'aria-live': 'polite' });
  const getButton = h('button', { type: 'submit', class: 'button primary' }, 'Get messages');
  const getForm = h('form', { class: 'panel form-grid', 'aria-labelledby': 'get-title' },
    h('h2', { id: 'get-title', class: 'wide' }, 'Get messages'),
    h('p', { class: 'muted wide' }, 'Peeking requeues the messages, which marks them redelivered.'),
    field('Ack mode', ackMode),
    field('Number of messages', getCount),
    field('Encoding', encoding),
    field('Truncate payloads at (bytes)', truncate),
    getError,
    h('div', { class: 'actions wide' }, getButton),
    h('div', { class: 'wide' }, messages));
  getForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    getError.hidden = true;
    getButton.disabled = true;
    try {
      const body = { count: Number(getCount.value) || 1, ackmode: ackMode.value, encoding: encoding.value };
      if (truncate.value) body.truncate = Number(truncate.value);
      const result = await api.post(api.apiPath([...queuePath, 'get']), body);
      const list = Array.isArray(result) ? result : [];
      fill(messages, list.length ? list.map(messageCard) : h('p', { class: 'muted' }, 'Queue is empty.'));
      await refresh();
    } catch (e) {
      if (e.status === 401) return;
      getError.textContent = `Could not get messages: ${e.message}`;
      getError.hidden = false;
    } finally {
      getButton.disabled = false;
    }
  });

  // ---- purge and delete
  const ifEmpty = checkbox('Only if empty');
  const ifUnused = checkbox('Only if unused (no consumers)');
  const purgeButton = h('button', { type: 'button', class: 'button' }, 'Purge messages');
  const deleteButton = h('button', { type: 'button', class: 'button danger' }, 'Delete queue');
  purgeButton.addEventListener('click', async () => {
    const ready = fmt.count(queue?.messages_ready);
    const ok = await confirmDialog({
      title: 'Purge queue',
      message: `Remove all ${ready} ready messages from queue "${name}"? Unacknowledged messages stay.`,
      confirmLabel: 'Purge',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(api.apiPath([...queuePath, 'contents']));
      notify(`Queue "${name}" purged.`, 'success');
      await refresh();
    } catch (e) {
      if (e.status !== 401) notify(`Could not purge: ${e.message}`, 'error');
    }
  });
  deleteButton.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Delete queue',
      message: `Delete queue "${name}" in virtual host "${vhost}" with its ${fmt.count(queue?.messages)} messages? This cannot be undone.`,
      confirmLabel: 'Delete',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(api.apiPath(queuePath, {
        'if-empty': ifEmpty.input.checked ? 'true' : undefined,
        'if-unused': ifUnused.input.checked ? 'true' : undefined,
      }));
      gone = true;
      notify(`Queue "${name}" deleted.`, 'success');
      ctx.navigate('#/queues');
    } catch (e) {
      if (e.status !== 401) notify(`Could not delete: ${e.message}`, 'error');
    }
  });
  const dangerPanel = h('section', { class: 'panel', 'aria-labelledby': 'danger-title' },
    h('h2', { id: 'danger-title' }, 'Purge or delete'),
    h('div', { class: 'actions left' }, purgeButton),
    h('div', { class: 'actions left' }, ifEmpty.el, ifUnused.el, deleteButton));

  const content = h('div', { class: 'queue-content' },
    h('div', { class: 'two-columns' },
      h('section', { class: 'panel', 'aria-labelledby': 'messages-title' },
        h('h2', { id: 'messages-title' }, 'Messages'), counts, chart.el, rates),
      h('section', { class: 'panel', 'aria-labelledby': 'details-title' },
        h('h2', { id: 'details-title' }, 'Details'), properties,
        h('h3', null, 'Arguments'), argumentsBox)),
    streamPanel,
    h('section', { class: 'panel', 'aria-labelledby': 'consumers-title' }, h('h2', { id: 'consumers-title' }, 'Consumers'), consumers),
    h('section', { class: 'panel', 'aria-labelledby': 'bindings-title' }, h('h2', { id: 'bindings-title' }, 'Bindings'), bindings, bindForm),
    h('div', { class: 'two-columns' }, publishForm, getForm),
    dangerPanel);

  const el = h('section', { class: 'queue' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/queues' }, '‹ All queues')),
    h('div', { class: 'page-title' }, title, subtitle),
    notFound,
    content);

  function render() {
    const q = queue;
    subtitle.textContent = `Virtual host ${vhost}`;
    fill(counts,
      h('div', { class: 'stat' }, h('span', { class: 'stat-value', dataset: { field: 'messages_ready' } }, fmt.count(q.messages_ready)), h('span', { class: 'stat-label' }, 'Ready')),
      h('div', { class: 'stat' }, h('span', { class: 'stat-value', dataset: { field: 'messages_unacknowledged' } }, fmt.count(q.messages_unacknowledged)), h('span', { class: 'stat-label' }, 'Unacked')),
      h('div', { class: 'stat' }, h('span', { class: 'stat-value', dataset: { field: 'messages' } }, fmt.count(q.messages)), h('span', { class: 'stat-label' }, 'Total')),
      h('div', { class: 'stat' }, h('span', { class: 'stat-value', dataset: { field: 'consumers' } }, fmt.count(q.consumers)), h('span', { class: 'stat-label' }, 'Consumers')));
    const rate = (key) => fmt.rate(fmt.pick(q, `message_stats.${key}_details.rate`));
    fill(rates, definitionList([
      ['Incoming', `${rate('publish')}/s`],
      ['Delivered and fetched', `${rate('deliver_get')}/s`],
      ['Acknowledged', `${rate('ack')}/s`],
      ['Redelivered', `${rate('redeliver')}/s`],
      fmt.num(q.message_bytes) !== undefined ? ['Message bytes', fmt.bytes(q.message_bytes)] : null,
    ]));
    fill(properties, definitionList([
      ['Type', fmt.text(q.type)],
      ['State', h('span', { class: ['state', q.state] }, fmt.text(q.state))],
      ['Features', queueFeatures(q)],
      ['Durable', fmt.yesNo(q.durable)],
      ['Auto delete', fmt.yesNo(q.auto_delete)],
      ['Exclusive', fmt.yesNo(q.exclusive)],
      q.owner_pid_details ? ['Owner', fmt.text(q.owner_pid_details.name ?? q.owner_pid_details)] : null,
      ['Node', fmt.text(q.node)],
      q.policy ? ['Policy', fmt.text(q.policy)] : null,
      fmt.num(q.consumer_utilisation) !== undefined ? ['Consumer utilisation', `${Math.round(q.consumer_utilisation * 100)}%`] : null,
      fmt.num(q.memory) !== undefined ? ['Memory', fmt.bytes(q.memory)] : null,
      q.idle_since ? ['Idle since', fmt.text(q.idle_since)] : null,
    ]));
    fill(argumentsBox, keyValueTable(q.arguments, 'No arguments.', 'Queue arguments'));
    const isStream = Boolean(q.stream && typeof q.stream === 'object');
    streamPanel.hidden = !isStream;
    getForm.hidden = isStream;
    purgeButton.hidden = isStream;
    if (isStream) fill(streamBox, streamDetails(q.stream));
    const details = Array.isArray(q.consumer_details) ? q.consumer_details : [];
    fill(consumers, details.length === 0
      ? h('p', { class: 'muted' }, 'No consumers.')
      : h('div', { class: 'table-scroll' }, h('table', { class: 'data compact' },
        h('caption', { class: 'visually-hidden' }, 'Consumers'),
        h('thead', null, h('tr', null, ['Channel', 'Consumer tag', 'Ack required', 'Exclusive', 'Prefetch', 'Active', 'Arguments']
          .map((label) => h('th', { scope: 'col' }, label)))),
        h('tbody', null, details.map((c) => h('tr', null,
          h('td', null, fmt.text(c.channel_details?.name)),
          h('td', { class: 'mono' }, fmt.text(c.consumer_tag)),
          h('td', null, fmt.yesNo(c.ack_required)),
          h('td', null, fmt.yesNo(c.exclusive)),
          h('td', { class: 'num' }, fmt.count(c.prefetch_count)),
          h('td', null, c.activity_status ? fmt.text(c.activity_status) : fmt.yesNo(c.active)),
          h('td', { class: 'mono' }, c.arguments && Object.keys(c.arguments).length ? fmt.text(c.arguments) : '')))))));
    chartPoints.push({ t: Date.now(), values: { ready: fmt.num(q.messages_ready) ?? 0, unacked: fmt.num(q.messages_unacknowledged) ?? 0 } });
    while (chartPoints.length && chartPoints[0].t < Date.now() - WINDOW_MS) chartPoints.shift();
    chart.update(chartPoints);
  }

  async function loadBindings() {
    try {
      return await api.get(api.apiPath([...queuePath, 'bindings']));
    } catch (e) {
      if (e.status !== 404 && e.status !== 405) throw e;
    }
    // No per-queue route: every binding of the virtual host, keep those to this queue.
    const all = await api.get(api.apiPath(['bindings', vhost]));
    return (Array.isArray(all) ? all : []).filter((b) => b.destination === name && b.destination_type === 'queue');
  }

  async function unbind(binding) {
    const ok = await confirmDialog({
      title: 'Remove binding',
      message: `Unbind queue "${name}" from exchange "${binding.source}" with routing key "${binding.routing_key}"?`,
      confirmLabel: 'Unbind',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.del(api.apiPath(['bindings', vhost, 'e', binding.source, 'q', name, binding.properties_key ?? '~']));
      notify('Binding removed.', 'success');
      await refreshBindings();
    } catch (e) {
      if (e.status !== 401) notify(`Could not unbind: ${e.message}`, 'error');
    }
  }

  async function refreshBindings() {
    let list;
    try {
      list = await loadBindings();
    } catch (e) {
      if (e.status !== 401) fill(bindings, h('p', { class: 'inline-error' }, `Bindings unavailable: ${e.message}`));
      return;
    }
    list = Array.isArray(list) ? list : [];
    fill(bindings, h('div', { class: 'table-scroll' }, h('table', { class: 'data compact' },
      h('caption', { class: 'visually-hidden' }, 'Bindings'),
      h('thead', null, h('tr', null, ['From exchange', 'Routing key', 'Arguments', ''].map((label) => h('th', { scope: 'col' }, label)))),
      h('tbody', null,
        // The default exchange's implicit binding is not listed by every broker; show it always.
        list.some((b) => b.source === '') ? null : h('tr', null,
          h('td', { class: 'muted' }, '(AMQP default)'), h('td', null, name), h('td'), h('td', { class: 'muted' }, 'implicit')),
        list.map((b) => h('tr', null,
          h('td', { class: b.source === '' ? 'muted' : null }, fmt.exchangeName(b.source ?? '')),
          h('td', { class: 'mono' }, fmt.text(b.routing_key)),
          h('td', { class: 'mono' }, b.arguments && Object.keys(b.arguments).length ? fmt.text(b.arguments) : ''),
          h('td', null, b.source === '' ? h('span', { class: 'muted' }, 'implicit')
            : h('button', { type: 'button', class: 'button small', on: { click: () => unbind(b) } }, 'Unbind'))))))));
  }

  async function refresh() {
    if (gone) return;
    try {
      queue = await api.get(api.apiPath(queuePath));
      notFound.hidden = true;
      content.hidden = false;
      render();
    } catch (e) {
      if (e.status === 401) return;
      notFound.textContent = e.status === 404 ? `Queue "${name}" does not exist in virtual host "${vhost}".` : `Could not load the queue: ${e.message}`;
      notFound.hidden = false;
      if (e.status === 404) content.hidden = true;
      return;
    }
    await refreshBindings();
  }

  return {
    el,
    title: `Queue ${name}`,
    refresh,
    dispose: () => chart.dispose(),
  };
}
