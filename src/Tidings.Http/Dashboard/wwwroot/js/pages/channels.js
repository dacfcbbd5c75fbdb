// The channel list: GET /api/channels or /api/vhosts/{vhost}/channels.

import { h } from '../dom.js';
import * as fmt from '../format.js';
import { ListView } from '../table.js';

function mode(channel) {
  const badges = [];
  if (channel.confirm) badges.push(h('abbr', { class: 'badge', title: 'Publisher confirms' }, 'C'));
  if (channel.transactional) badges.push(h('abbr', { class: 'badge', title: 'Transactional' }, 'T'));
  return h('span', { class: 'badges' }, badges);
}

export function channelsPage(_params, ctx) {
  const rateColumn = (key, label, abbr, field) => ({
    key, label, abbr, numeric: true, sort: `message_stats.${field}_details.rate`,
    value: (c) => fmt.num(fmt.pick(c, `message_stats.${field}_details.rate`)) ?? 0,
    cell: (c) => fmt.rate(fmt.pick(c, `message_stats.${field}_details.rate`)),
  });
  const countColumn = (key, label, abbr) => ({
    key, label, abbr, numeric: true, value: (c) => fmt.num(c[key]), cell: (c) => fmt.count(c[key]),
  });
  const list = new ListView({
    title: 'Channels',
    noun: 'channels',
    path: (vhost) => (vhost ? ['vhosts', vhost, 'channels'] : ['channels']),
    columns: [
      { key: 'vhost', label: 'Virtual host', value: (c) => c.vhost },
      { key: 'name', label: 'Channel', wrap: true, value: (c) => c.name },
      { key: 'user', label: 'User', value: (c) => c.user },
      { key: 'mode', label: 'Mode', value: (c) => (c.confirm ? 'C' : '') + (c.transactional ? 'T' : ''), cell: mode, sort: 'confirm' },
      { key: 'state', label: 'State', value: (c) => c.state, cell: (c) => h('span', { class: ['state', c.state] }, fmt.text(c.state)) },
      countColumn('consumer_count', 'Consumers'),
      countColumn('prefetch_count', 'Prefetch'),
      countColumn('messages_unacknowledged', 'Unacked', 'Unacknowledged messages'),
      countColumn('messages_unconfirmed', 'Unconfirmed', 'Published messages not yet confirmed'),
      rateColumn('publish_rate', 'Publish/s', 'Messages published per second', 'publish'),
      rateColumn('deliver_rate', 'Deliver/s', 'Messages delivered and fetched per second', 'deliver_get'),
      rateColumn('ack_rate', 'Ack/s', 'Acknowledgements per second', 'ack'),
    ],
    defaultSort: 'name',
  });
  return {
    el: list.el,
    title: 'Channels',
    refresh() {
      list.setVhost(ctx.vhost);
      return list.refresh();
    },
  };
}
