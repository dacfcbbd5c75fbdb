// The queue list (GET /api/queues[/{vhost}]) and the form that declares a queue
// (PUT /api/queues/{vhost}/{name}).

import { h, field, select } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import { ListView } from '../table.js';
import { notify } from '../dialog.js';
import { queueHref } from '../links.js';

// Queue arguments shown as short badges in the Features column, as RabbitMQ's UI does.
const ARGUMENT_BADGES = [
  ['x-message-ttl', 'TTL', 'Message TTL'],
  ['x-expires', 'Exp', 'Auto-expire'],
  ['x-max-length', 'Lim', 'Max length'],
  ['x-max-length-bytes', 'Lim B', 'Max length bytes'],
  ['x-overflow', 'Ovfl', 'Overflow behaviour'],
  ['x-dead-letter-exchange', 'DLX', 'Dead letter exchange'],
  ['x-dead-letter-routing-key', 'DLK', 'Dead letter routing key'],
  ['x-max-priority', 'Pri', 'Maximum priority'],
  ['x-single-active-consumer', 'SAC', 'Single active consumer'],
  ['x-queue-mode', 'Mode', 'Queue mode'],
  ['x-max-age', 'Age', 'Max age (streams)'],
  ['x-stream-max-segment-size-bytes', 'Seg', 'Max segment size bytes (streams)'],
];

/** Feature badges of a queue: D, AD, Excl and one per well-known argument. */
export function queueFeatures(queue) {
  const badges = [];
  const badge = (label, title) => badges.push(h('abbr', { class: 'badge', title }, label));
  if (queue.durable) badge('D', 'Durable');
  if (queue.auto_delete) badge('AD', 'Auto delete');
  if (queue.exclusive) badge('Excl', 'Exclusive');
  const args = queue.arguments && typeof queue.arguments === 'object' ? queue.arguments : {};
  for (const [key, label, title] of ARGUMENT_BADGES) {
    if (key in args) badge(label, `${title}: ${fmt.text(args[key])}`);
  }
  return badges.length ? h('span', { class: 'badges' }, badges) : h('span', { class: 'muted' }, '—');
}

function declareForm(ctx, onDeclared) {
  const vhost = select(ctx.vhosts.map((v) => [v, v]), { name: 'vhost' });
  vhost.value = ctx.vhost || ctx.vhosts[0] || '/';
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', spellcheck: 'false' });
  const type = select([['classic', 'Classic'], ['quorum', 'Quorum'], ['stream', 'Stream']], { name: 'type' });
  const durable = select([['true', 'Durable'], ['false', 'Transient']], { name: 'durable' });
  const autoDelete = select([['false', 'No'], ['true', 'Yes']], { name: 'auto_delete' });
  const args = h('textarea', { name: 'arguments', rows: 3, spellcheck: 'false', placeholder: '{"x-message-ttl": 60000, "x-max-length": 1000}' });
  const error = h('p', { class: 'inline-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Add queue');

  const form = h('form', { class: 'panel form-grid', 'aria-labelledby': 'declare-queue-title' },
    h('h2', { id: 'declare-queue-title' }, 'Add a queue'),
    field('Virtual host', vhost),
    field('Queue name', name),
    field('Type', type),
    field('Durability', durable),
    field('Auto delete', autoDelete, 'Deleted when its last consumer unsubscribes.'),
    h('div', { class: 'wide' }, field('Arguments (JSON)', args,
      'Optional, e.g. x-message-ttl, x-expires, x-max-length, x-overflow, x-dead-letter-exchange, x-dead-letter-routing-key, x-max-priority, x-single-active-consumer.')),
    error,
    h('div', { class: 'actions wide' }, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    let argumentsValue = {};
    if (args.value.trim()) {
      try {
        argumentsValue = JSON.parse(args.value);
        if (!argumentsValue || typeof argumentsValue !== 'object' || Array.isArray(argumentsValue)) throw new Error('not an object');
      } catch (e) {
        error.textContent = `Arguments must be a JSON object (${e.message}).`;
        error.hidden = false;
        args.focus();
        return;
      }
    }
    if (type.value !== 'classic') argumentsValue = { ...argumentsValue, 'x-queue-type': type.value };
    const queueName = name.value;
    submit.disabled = true;
    try {
      await api.put(api.apiPath(['queues', vhost.value, queueName]), {
        durable: durable.value === 'true',
        auto_delete: autoDelete.value === 'true',
        arguments: argumentsValue,
      });
      notify(`Queue "${queueName}" declared.`, 'success');
      name.value = '';
      onDeclared();
    } catch (e) {
      if (e.status === 401) return;
      error.textContent = `Could not declare the queue: ${e.message}`;
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export function queuesPage(_params, ctx) {
  const columns = [
    { key: 'vhost', label: 'Virtual host', value: (q) => q.vhost },
    {
      key: 'name', label: 'Name', wrap: true, value: (q) => q.name,
      cell: (q) => h('a', { href: queueHref(q.vhost, q.name) }, q.name),
    },
    { key: 'type', label: 'Type', value: (q) => q.type },
    { key: 'features', label: 'Features', value: (q) => (q.durable ? 'D' : '') + (q.auto_delete ? 'AD' : ''), cell: queueFeatures, sort: 'durable' },
    { key: 'state', label: 'State', value: (q) => q.state, cell: (q) => h('span', { class: ['state', q.state] }, fmt.text(q.state)) },
    { key: 'messages_ready', label: 'Ready', numeric: true, value: (q) => fmt.num(q.messages_ready), cell: (q) => fmt.count(q.messages_ready) },
    { key: 'messages_unacknowledged', label: 'Unacked', abbr: 'Unacknowledged messages', numeric: true, value: (q) => fmt.num(q.messages_unacknowledged), cell: (q) => fmt.count(q.messages_unacknowledged) },
    { key: 'messages', label: 'Total', numeric: true, value: (q) => fmt.num(q.messages), cell: (q) => fmt.count(q.messages) },
    { key: 'consumers', label: 'Consumers', numeric: true, value: (q) => fmt.num(q.consumers), cell: (q) => fmt.count(q.consumers) },
    {
      key: 'publish_rate', label: 'In/s', abbr: 'Incoming messages per second', numeric: true, sort: 'message_stats.publish_details.rate',
      value: (q) => fmt.num(fmt.pick(q, 'message_stats.publish_details.rate')) ?? 0, cell: (q) => fmt.rate(fmt.pick(q, 'message_stats.publish_details.rate')),
    },
    {
      key: 'deliver_rate', label: 'Deliver/s', abbr: 'Delivered and fetched messages per second', numeric: true, sort: 'message_stats.deliver_get_details.rate',
      value: (q) => fmt.num(fmt.pick(q, 'message_stats.deliver_get_details.rate')) ?? 0, cell: (q) => fmt.rate(fmt.pick(q, 'message_stats.deliver_get_details.rate')),
    },
    {
      key: 'ack_rate', label: 'Ack/s', abbr: 'Acknowledgements per second', numeric: true, sort: 'message_stats.ack_details.rate',
      value: (q) => fmt.num(fmt.pick(q, 'message_stats.ack_details.rate')) ?? 0, cell: (q) => fmt.rate(fmt.pick(q, 'message_stats.ack_details.rate')),
    },
  ];
  let list = null;
  list = new ListView({
    title: 'Queues',
    noun: 'queues',
    path: (vhost) => (vhost ? ['queues', vhost] : ['queues']),
    columns,
    defaultSort: 'name',
    below: declareForm(ctx, () => list.refresh()),
  });
  return {
    el: list.el,
    title: 'Queues',
    refresh() {
      list.setVhost(ctx.vhost);
      return list.refresh();
    },
  };
}
