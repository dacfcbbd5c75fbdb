// The login form: the credentials are checked with GET /api/whoami before they are stored.

import { h, field } from '../dom.js';
import * as api from '../api.js';

/** message: {text, kind: 'error' | 'info'} shown above the form (why the login is shown). */
export function loginPage({ message, onLogin }) {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, spellcheck: 'false', autocapitalize: 'none' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const status = h('p', { class: ['login-message', message?.kind ?? 'error'], role: 'alert', hidden: !message }, message?.text ?? '');
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Log in');

  const form = h('form', { class: 'login-form', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Tidings'),
    h('p', { class: 'muted' }, 'Sign in with a broker user to manage queues, exchanges and connections.'),
    status,
    field('Username', username),
    field('Password', password),
    submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.hidden = true;
    const creds = { username: username.value, password: password.value };
    try {
      const me = await api.request('GET', 'whoami', undefined, { credentials: creds });
      api.saveCredentials(creds.username, creds.password);
      onLogin(me);
    } catch (e) {
      status.className = 'login-message error';
      status.textContent = e.status === 401 ? `Login failed: ${e.reason || 'wrong username or password'}` : e.message;
      status.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });

  const el = h('main', { class: 'login' }, form);
  return { el, title: 'Log in', focus: () => (username.value ? password : username).focus() };
}
