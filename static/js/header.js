// The header: session ID, status badge (and "paused" beside it while the creator has paused the LIVE),
// creator, the number of active sessions (the whole server's) and of this session's tabs. (The link to the creator's report beside their name: reportlink.js.)

import { setText } from './dom.js';
import { formatCount, toCount } from './format.js';
import { requestFlush } from './frame.js';

export const STATUSES = ['idle', 'queued', 'connecting', 'connected', 'reconnecting', 'offline', 'ended', 'error'];

const LABELS = {
  idle: 'idle',
  queued: 'waiting',
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  offline: 'offline',
  ended: 'ended',
  error: 'error',
};

function setNumber(el, value) {
  if (value === null || value === undefined) return;
  const n = toCount(value);
  const { text, title } = formatCount(n);
  el.dataset.value = String(n);
  setText(el, text);
  if (title) el.title = title;
  else el.removeAttribute('title');
}

export function createHeader(root = document) {
  const els = {
    id: root.getElementById('session-id'),
    status: root.getElementById('session-status'),
    paused: root.getElementById('live-paused'),
    username: root.getElementById('session-username'),
    total: root.getElementById('total-sessions'),
    clients: root.getElementById('session-clients'),
  };
  els.totalItem = els.total.closest('.session-item') || els.total; // carries the explaining tooltip
  const view = { sessionId: null, status: 'connecting', paused: false, username: null, total: null, totalClients: null, clients: null };

  function render() {
    setText(els.id, view.sessionId || '—');
    if (view.sessionId) els.id.title = `Session ${view.sessionId}`;
    const status = STATUSES.includes(view.status) ? view.status : 'error';
    els.status.dataset.status = status;
    setText(els.status, LABELS[status]);
    els.paused.hidden = !(view.paused && status === 'connected'); // the creator's pause, while the LIVE is followed
    setText(els.username, view.username ? `@${view.username}` : '—');
    els.username.dataset.value = view.username || '';
    setNumber(els.total, view.total);
    if (view.totalClients !== null) {
      els.totalItem.title = `Every dashboard open on this server, yours and everyone else's: ${view.total} sessions in ${view.totalClients} browser tabs`;
    }
    setNumber(els.clients, view.clients);
  }

  return {
    /** Merge what is known; fields left undefined are unchanged. */
    update(fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v !== undefined) view[k] = v;
      }
      requestFlush(render);
    },
  };
}
