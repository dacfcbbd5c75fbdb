// The exchange list: GET /api/exchanges[/{vhost}].

import { h } from '../dom.js';
import * as fmt from '../format.js';
import { ListView } from '../table.js';

function exchangeFeatures(exchange) {
  const badges = [];
  const badge = (label, title) => badges.push(h('abbr', { class: 'badge', title }, label));
  if (exchange.durable) badge('D', 'Durable');
  if (exchange.auto_delete) badge('AD', 'Auto delete');
  if (exchange.internal) badge('I', 'Internal');
  const args = exchange.arguments && typeof exchange.arguments === 'object' ? exchange.arguments : {};
  if ('alternate-exchange' in args) badge('AE', `Alternate exchange: ${fmt.text(args['alternate-exchange'])}`);
  return h('span', { class: 'badges' }, badges);
}

export function exchangesPage(_params, ctx) {
  const rateColumn = (key, label, abbr, field) => ({
    key, label, abbr, numeric: true, sort: `message_stats.${field}_details.rate`,
    value: (e) => fmt.num(fmt.pick(e, `message_stats.${field}_details.rate`)) ?? 0,
    cell: (e) => fmt.rate(fmt.pick(e, `message_stats.${field}_details.rate`)),
  });
  const list = new ListView({
    title: 'Exchanges',
    noun: 'exchanges',
    path: (vhost) => (vhost ? ['exchanges', vhost] : ['exchanges']),
    columns: [
      { key: 'vhost', label: 'Virtual host', value: (e) => e.vhost },
      { key: 'name', label: 'Name', wrap: true, value: (e) => e.name, cell: (e) => h('span', { class: e.name === '' ? 'muted' : null }, fmt.exchangeName(e.name)) },
      { key: 'type', label: 'Type', value: (e) => e.type },
      { key: 'features', label: 'Features', value: (e) => (e.durable ? 'D' : '') + (e.internal ? 'I' : ''), cell: exchangeFeatures, sort: 'durable' },
      rateColumn('rate_in', 'In/s', 'Messages published in per second', 'publish_in'),
      rateColumn('rate_out', 'Out/s', 'Messages routed out per second', 'publish_out'),
    ],
    defaultSort: 'name',
  });
  return {
    el: list.el,
    title: 'Exchanges',
    refresh() {
      list.setVhost(ctx.vhost);
      return list.refresh();
    },
  };
}
