// A modal confirmation (<dialog>, focus kept inside by the browser) and short-lived notices.

import { h } from './dom.js';

/**
 * Asks for confirmation; resolves true when the user clicks the confirm button, false on
 * Cancel or Escape. message: text or nodes.
 */
export function confirmDialog({ title, message, confirmLabel = 'OK', danger = false }) {
  return new Promise((resolve) => {
    const cancel = h('button', { type: 'button', class: 'button', value: 'cancel' }, 'Cancel');
    const confirm = h('button', { type: 'submit', class: ['button', danger ? 'danger' : 'primary'], value: 'confirm' }, confirmLabel);
    const titleId = `dialog-title-${Date.now()}`;
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': titleId },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId }, title),
        h('p', null, message),
        h('div', { class: 'actions' }, cancel, confirm)));
    cancel.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

let noticeArea = null;

/** Shows a notice for a few seconds. kind: 'info' | 'success' | 'error'. */
export function notify(message, kind = 'info') {
  if (!noticeArea || !noticeArea.isConnected) {
    noticeArea = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
    document.body.append(noticeArea);
  }
  const notice = h('div', { class: ['notice', kind], role: kind === 'error' ? 'alert' : null },
    h('span', null, message),
    h('button', { type: 'button', class: 'notice-close', 'aria-label': 'Dismiss', on: { click: () => notice.remove() } }, '×'));
  noticeArea.append(notice);
  setTimeout(() => notice.remove(), kind === 'error' ? 10000 : 5000);
}
