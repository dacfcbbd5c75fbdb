// The connection list: GET /api/connections or /api/vhosts/{vhost}/connections.

import { h } from '../dom.js';
import * as fmt from '../format.js';
import { ListView } from '../table.js';

function client(connection) {
  const props = connection.client_properties && typeof connection.client_properties === 'object' ? connection.client_properties : {};
  const product = typeof props.product === 'string' ? props.product : '';
  const version = typeof props.version === 'string' ? props.version : '';
  return [product, version].filter(Boolean).join(' ');
}

export function connectionsPage(_params, ctx) {
  const list = new ListView({
    title: 'Connections',
    noun: 'connections',
    path: (vhost) => (vhost ? ['vhosts', vhost, 'connections'] : ['connections']),
    columns: [
      { key: 'vhost', label: 'Virtual host', value: (c) => c.vhost },
      { key: 'name', label: 'Name', wrap: true, value: (c) => c.name },
      { key: 'user', label: 'User', value: (c) => c.user },
      { key: 'state', label: 'State', value: (c) => c.state, cell: (c) => h('span', { class: ['state', c.state] }, fmt.text(c.state)) },
      { key: 'protocol', label: 'Protocol', value: (c) => c.protocol },
      { key: 'client', label: 'Client', wrap: true, value: client, sort: 'client_properties.product' },
      { key: 'ssl', label: 'TLS', value: (c) => c.ssl, cell: (c) => fmt.yesNo(c.ssl) },
      { key: 'channels', label: 'Channels', numeric: true, value: (c) => fmt.num(c.channels), cell: (c) => fmt.count(c.channels) },
      {
        key: 'recv_rate', label: 'From client', abbr: 'Bytes per second received from the client', numeric: true, sort: 'recv_oct_details.rate',
        value: (c) => fmt.num(fmt.pick(c, 'recv_oct_details.rate')) ?? 0, cell: (c) => `${fmt.bytes(fmt.pick(c, 'recv_oct_details.rate') ?? 0)}/s`,
      },
      {
        key: 'send_rate', label: 'To client', abbr: 'Bytes per second sent to the client', numeric: true, sort: 'send_oct_details.rate',
        value: (c) => fmt.num(fmt.pick(c, 'send_oct_details.rate')) ?? 0, cell: (c) => `${fmt.bytes(fmt.pick(c, 'send_oct_details.rate') ?? 0)}/s`,
      },
      { key: 'connected_at', label: 'Connected', numeric: true, value: (c) => fmt.num(c.connected_at), cell: (c) => fmt.dateTime(c.connected_at) },
    ],
    defaultSort: 'name',
  });
  return {
    el: list.el,
    title: 'Connections',
    refresh() {
      list.setVhost(ctx.vhost);
      return list.refresh();
    },
  };
}
