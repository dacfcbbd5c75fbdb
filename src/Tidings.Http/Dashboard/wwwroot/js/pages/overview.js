// Overview: object totals, queued messages and message rates (live charts from the history the
// app keeps while it polls /api/overview), nodes' memory and disk from /api/nodes, listeners.

import { h, fill } from '../dom.js';
import * as api from '../api.js';
import * as fmt from '../format.js';
import { LineChart } from '../chart.js';

function stat(label, value, href) {
  const content = [h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label)];
  return href ? h('a', { class: 'stat', href }, content) : h('div', { class: 'stat' }, content);
}

/** A labelled bar (pct 0..100; none when undefined) with a line of detail text. */
function gauge(label, pct, detail, alarm) {
  let track = null;
  if (pct !== undefined) {
    const bar = h('div', { class: ['gauge-bar', alarm ? 'alarm' : pct > 80 ? 'warn' : null] });
    bar.style.width = `${pct}%`;
    track = h('div', {
      class: 'gauge-track', role: 'meter', 'aria-label': label,
      'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct), 'aria-valuetext': detail,
    }, bar);
  }
  return h('div', { class: 'gauge' },
    h('div', { class: 'gauge-head' }, h('span', null, label), alarm ? h('span', { class: 'badge danger' }, 'alarm') : null),
    track,
    h('div', { class: 'gauge-detail' }, detail));
}

export function overviewPage(_params, ctx) {
  const rates = new LineChart({
    label: 'Message rates (per second)',
    series: [{ key: 'publish', label: 'Publish' }, { key: 'deliver', label: 'Deliver / get' }, { key: 'ack', label: 'Acknowledge' }],
    format: fmt.rate,
  });
  const queued = new LineChart({
    label: 'Queued messages',
    series: [{ key: 'ready', label: 'Ready' }, { key: 'unacked', label: 'Unacknowledged' }],
    format: fmt.count,
    integer: true,
  });
  const totals = h('div', { class: 'stats' });
  const queueTotals = h('div', { class: 'stats' });
  const nodes = h('div', { class: 'nodes' });
  const listeners = h('tbody');
  const listenerSection = h('section', { class: 'panel', hidden: true, 'aria-labelledby': 'listeners-title' },
    h('h2', { id: 'listeners-title' }, 'Listeners'),
    h('table', { class: 'data compact' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Protocol'), h('th', { scope: 'col' }, 'Address'), h('th', { scope: 'col', class: 'num' }, 'Port'))),
      listeners));

  const el = h('section', { class: 'overview' },
    h('div', { class: 'page-title' }, h('h1', null, 'Overview')),
    totals,
    h('div', { class: 'charts' },
      h('section', { class: 'panel', 'aria-labelledby': 'queued-title' }, h('h2', { id: 'queued-title' }, 'Queued messages'), queueTotals, queued.el),
      h('section', { class: 'panel', 'aria-labelledby': 'rates-title' }, h('h2', { id: 'rates-title' }, 'Message rates'), rates.el)),
    h('section', { class: 'panel', 'aria-labelledby': 'nodes-title' }, h('h2', { id: 'nodes-title' }, 'Nodes'), nodes),
    listenerSection);

  function renderOverview() {
    const o = ctx.overview;
    if (!o) return;
    const t = o.object_totals ?? {};
    fill(totals,
      stat('Connections', fmt.count(t.connections), '#/connections'),
      stat('Channels', fmt.count(t.channels), '#/channels'),
      stat('Exchanges', fmt.count(t.exchanges), '#/exchanges'),
      stat('Queues', fmt.count(t.queues), '#/queues'),
      stat('Consumers', fmt.count(t.consumers)));
    const q = o.queue_totals ?? {};
    fill(queueTotals,
      stat('Ready', fmt.count(q.messages_ready ?? 0)),
      stat('Unacknowledged', fmt.count(q.messages_unacknowledged ?? 0)),
      stat('Total', fmt.count(q.messages ?? 0)));
    queued.update(ctx.history.points);
    rates.update(ctx.history.points);
    const list = Array.isArray(o.listeners) ? o.listeners : [];
    listenerSection.hidden = list.length === 0;
    fill(listeners, list.map((l) => h('tr', null,
      h('td', null, fmt.text(l.protocol)), h('td', null, fmt.text(l.ip_address)), h('td', { class: 'num' }, fmt.text(l.port)))));
  }

  function renderNodes(list) {
    if (!Array.isArray(list) || list.length === 0) {
      fill(nodes, h('p', { class: 'muted' }, 'No node statistics.'));
      return;
    }
    fill(nodes, list.map((node) => h('article', { class: 'node' },
      h('h3', null, fmt.text(node.name), node.running === false ? h('span', { class: 'badge danger' }, 'stopped') : null),
      h('div', { class: 'gauges' },
        gauge('Memory', fmt.percent(node.mem_used, node.mem_limit),
          `${fmt.bytes(node.mem_used)} used${fmt.num(node.mem_limit) ? ` of ${fmt.bytes(node.mem_limit)} high watermark` : ''}`,
          node.mem_alarm === true),
        gauge('Disk', undefined,
          `${fmt.bytes(node.disk_free)} free${fmt.num(node.disk_free_limit) ? ` (alarm below ${fmt.bytes(node.disk_free_limit)})` : ''}`,
          node.disk_free_alarm === true)),
      h('dl', { class: 'facts' },
        fmt.num(node.fd_used) !== undefined ? [h('dt', null, 'File descriptors'), h('dd', null, `${fmt.count(node.fd_used)}${fmt.num(node.fd_total) ? ` / ${fmt.count(node.fd_total)}` : ''}`)] : null,
        fmt.num(node.sockets_used) !== undefined ? [h('dt', null, 'Sockets'), h('dd', null, `${fmt.count(node.sockets_used)}${fmt.num(node.sockets_total) ? ` / ${fmt.count(node.sockets_total)}` : ''}`)] : null,
        fmt.num(node.proc_used) !== undefined ? [h('dt', null, 'Processes'), h('dd', null, fmt.count(node.proc_used))] : null,
        fmt.num(node.uptime) !== undefined ? [h('dt', null, 'Uptime'), h('dd', null, fmt.duration(node.uptime))] : null))));
  }

  let nodesError = false;
  return {
    el,
    title: 'Overview',
    async refresh() {
      renderOverview();
      try {
        renderNodes(await api.get('nodes'));
        nodesError = false;
      } catch (e) {
        if (e.status === 401) return;
        if (!nodesError) fill(nodes, h('p', { class: 'inline-error' }, `Node statistics unavailable: ${e.message}`));
        nodesError = true;
      }
    },
    dispose() {
      rates.dispose();
      queued.dispose();
    },
  };
}
