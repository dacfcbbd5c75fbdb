// The dashboard's shell: login gate, header and navigation, hash router and the refresh loop.
//
// Routes:  #/ overview · #/connections · #/channels · #/exchanges · #/queues ·
//          #/queues/{vhost}/{name}   (segments percent-encoded; "/" is %2F)
// A page is {el, title, refresh(): Promise, dispose()?}; the loop calls refresh every few
// seconds (the interval chosen in the header) while the tab is visible. /api/overview is polled
// on every page, so the header stays current and the overview's chart history has no gaps.

import { h, fill, select } from './dom.js';
import * as api from './api.js';
import { OverviewHistory, SAMPLE_QUERY } from './history.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { queuesPage } from './pages/queues.js';
import { queuePage } from './pages/queue.js';
import { exchangesPage } from './pages/exchanges.js';
import { connectionsPage } from './pages/connections.js';
import { channelsPage } from './pages/channels.js';

const REFRESH_KEY = 'tidings.refresh';
const VHOST_KEY = 'tidings.vhost';
const REFRESH_CHOICES = [['2000', 'Every 2 seconds'], ['5000', 'Every 5 seconds'], ['10000', 'Every 10 seconds'], ['30000', 'Every 30 seconds'], ['0', 'Manually']];

const NAV = [
  ['#/', 'Overview', 'overview'],
  ['#/connections', 'Connections', 'connections'],
  ['#/channels', 'Channels', 'channels'],
  ['#/exchanges', 'Exchanges', 'exchanges'],
  ['#/queues', 'Queues', 'queues'],
];

const root = document.getElementById('app');

/** State the pages read: the latest overview, its history, virtual hosts and the selected one. */
const ctx = {
  overview: null,
  history: new OverviewHistory(),
  vhosts: ['/'],
  vhost: sessionStorage.getItem(VHOST_KEY) ?? '',
  user: null,
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

let page = null;
let timer = 0;
let refreshing = null;
let refreshAgain = false;
let refreshMs = Number(localStorage.getItem(REFRESH_KEY) ?? 5000);
if (!REFRESH_CHOICES.some(([v]) => Number(v) === refreshMs)) refreshMs = 5000;

// ---- header
const product = h('span', { class: 'product' });
const userLabel = h('span', { class: 'user' });
// Named apart from the declare form's "Virtual host" field, which is about a new queue.
const vhostSelect = select([['', 'All']], { id: 'vhost-select', 'aria-label': 'Show virtual host' });
const refreshSelect = select(REFRESH_CHOICES, { id: 'refresh-select' });
refreshSelect.value = String(refreshMs);
const refreshButton = h('button', { type: 'button', class: 'button small' }, 'Refresh now');
const logoutButton = h('button', { type: 'button', class: 'button small' }, 'Log out');
const navLinks = NAV.map(([href, label, key]) => h('a', { href, dataset: { key } }, label));
const banner = h('p', { class: 'banner', role: 'alert', hidden: true });
const main = h('main', { id: 'main', tabindex: '-1' });

const shell = h('div', { class: 'shell' },
  h('a', { class: 'skip-link', href: '#main', on: { click: (e) => { e.preventDefault(); main.focus(); } } }, 'Skip to content'),
  h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Tidings'),
    h('nav', { class: 'nav', 'aria-label': 'Main' }, navLinks),
    h('div', { class: 'controls' },
      h('div', { class: 'field inline' }, h('label', { for: 'vhost-select' }, 'Virtual host'), vhostSelect),
      h('div', { class: 'field inline' }, h('label', { for: 'refresh-select' }, 'Refresh'), refreshSelect),
      refreshButton,
      userLabel,
      logoutButton)),
  h('div', { class: 'subheader' }, product),
  banner,
  main);

vhostSelect.addEventListener('change', () => {
  ctx.vhost = vhostSelect.value;
  sessionStorage.setItem(VHOST_KEY, ctx.vhost);
  refreshNow();
});
refreshSelect.addEventListener('change', () => {
  refreshMs = Number(refreshSelect.value);
  localStorage.setItem(REFRESH_KEY, String(refreshMs));
  schedule();
});
refreshButton.addEventListener('click', () => refreshNow());
logoutButton.addEventListener('click', () => logout({ text: 'You have logged out.', kind: 'info' }));

// ---- login and logout
function showLogin(message) {
  stop();
  disposePage();
  ctx.user = null;
  ctx.overview = null;
  ctx.history.clear();
  const login = loginPage({ message, onLogin: (me) => start(me) });
  fill(root, login.el);
  document.title = 'Log in · Tidings';
  login.focus();
}

function logout(message) {
  api.clearCredentials();
  showLogin(message);
}

api.onUnauthorized((error) => {
  api.clearCredentials();
  showLogin({ text: `Please log in again: ${error.reason || 'not authorised'}`, kind: 'error' });
});

/** Enters the dashboard as the user whoami answered with. A 401 on the way shows the login. */
async function start(me) {
  ctx.user = me ?? {};
  userLabel.textContent = me?.name ?? api.credentials()?.username ?? '';
  const tags = Array.isArray(me?.tags) ? me.tags.join(', ') : me?.tags;
  userLabel.title = tags ? `Tags: ${tags}` : '';
  try {
    await loadVhosts();
    fill(root, shell);
    route();
  } catch (e) {
    if (e.status !== 401) showLogin({ text: e.message, kind: 'error' });
  }
}

async function loadVhosts() {
  try {
    const list = await api.get('vhosts');
    const names = (Array.isArray(list) ? list : []).map((v) => v?.name).filter((n) => typeof n === 'string');
    if (names.length) ctx.vhosts = names.sort();
  } catch (e) {
    if (e.status === 401) throw e;
    ctx.vhosts = ['/'];
  }
  if (ctx.vhost && !ctx.vhosts.includes(ctx.vhost)) ctx.vhost = '';
  fill(vhostSelect, [['', 'All'], ...ctx.vhosts.map((v) => [v, v])].map(([value, label]) => h('option', { value }, label)));
  vhostSelect.value = ctx.vhost;
}

// ---- polling
async function pollOverview() {
  try {
    // The first poll asks for the broker's sample history too, to seed the charts.
    const first = ctx.history.points.length === 0;
    const overview = await api.get(api.apiPath(['overview'], first ? SAMPLE_QUERY : undefined));
    ctx.overview = overview;
    ctx.history.record(overview);
    const name = overview.product_name ?? 'Tidings';
    const version = overview.product_version ?? overview.rabbitmq_version ?? '';
    product.textContent = [`${name} ${version}`.trim(), overview.cluster_name && `Cluster ${overview.cluster_name}`, overview.node && `Node ${overview.node}`]
      .filter(Boolean).join(' · ');
    banner.hidden = true;
  } catch (e) {
    if (e.status === 401) throw e;
    banner.textContent = e.status === 0 ? 'The broker cannot be reached; retrying.' : `Could not load the overview: ${e.message}`;
    banner.hidden = false;
  }
}

/**
 * Polls the overview, then refreshes the current page, then schedules the next round. A call
 * while a round is under way asks for one more round right after it (the page may have changed).
 */
async function refreshNow() {
  if (!ctx.user) return;
  if (refreshing) {
    refreshAgain = true;
    await refreshing;
    return;
  }
  stop();
  refreshing = (async () => {
    do {
      refreshAgain = false;
      try {
        await pollOverview();
        if (page && ctx.user) await page.refresh();
      } catch (e) {
        if (e.status !== 401) console.error(e);
      }
    } while (refreshAgain && ctx.user);
  })();
  try {
    await refreshing;
  } finally {
    refreshing = null;
  }
  schedule();
}

function schedule() {
  stop();
  if (refreshMs > 0 && ctx.user && !document.hidden) timer = setTimeout(refreshNow, refreshMs);
}

function stop() {
  clearTimeout(timer);
  timer = 0;
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) stop();
  else if (ctx.user) refreshNow();
});

// ---- routing
function disposePage() {
  if (page?.dispose) page.dispose();
  page = null;
}

function parseRoute() {
  const path = location.hash.replace(/^#\/?/, '');
  const segments = path === '' ? [] : path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  const [section = 'overview', ...rest] = segments;
  if (section === 'overview' && rest.length === 0) return { key: 'overview', make: overviewPage };
  if (section === 'queues' && rest.length === 0) return { key: 'queues', make: queuesPage };
  if (section === 'queues' && rest.length === 2) return { key: 'queues', make: queuePage, params: { vhost: rest[0], name: rest[1] } };
  if (section === 'exchanges' && rest.length === 0) return { key: 'exchanges', make: exchangesPage };
  if (section === 'connections' && rest.length === 0) return { key: 'connections', make: connectionsPage };
  if (section === 'channels' && rest.length === 0) return { key: 'channels', make: channelsPage };
  return { key: null, make: notFoundPage };
}

function notFoundPage() {
  return {
    el: h('section', null, h('h1', null, 'Page not found'), h('p', null, h('a', { href: '#/' }, 'Back to the overview'))),
    title: 'Not found',
    refresh: async () => {},
  };
}

function route() {
  if (!ctx.user) return;
  stop();
  disposePage();
  const { key, make, params } = parseRoute();
  for (const link of navLinks) {
    if (link.dataset.key === key) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  page = make(params ?? {}, ctx);
  fill(main, page.el);
  document.title = `${page.title} · Tidings`;
  refreshNow();
}

window.addEventListener('hashchange', () => {
  route();
  main.focus({ preventScroll: true });
});

// ---- boot: with stored credentials go straight in (whoami checks they still work).
async function boot() {
  if (!api.credentials()) {
    showLogin(null);
    return;
  }
  try {
    await start(await api.get('whoami'));
  } catch (e) {
    if (e.status !== 401) showLogin({ text: e.message, kind: 'error' });
  }
}

boot();
