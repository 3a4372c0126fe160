// The wall's Socket.IO side: connect (resuming the tab's session), follow the roster's creators with
// `watchMany`, and hand each `summary` to the page. No DOM here. Contract: docs/protocol.md, "watchMany".

import { io } from './vendor/socket.io.esm.min.js';
import { tabGet, tabSet } from './storage.js';

const TOKEN_KEY = 'liveAssistant.wall.resumeToken';
const ACK_TIMEOUT_MS = 15_000;
const RETRY_MS = 10_000;

/**
 * handlers: onSummary(summary) for every `summary`; onState(state) with 'connecting' | 'connected' |
 * 'reconnecting' | 'refused'; onProblem(error) with the `{code, message}` of a refused `watchMany` or
 * connection (null once it went through).
 * Returns {follow(usernames)}: the creators to show (the whole list each time).
 */
export function createWallConnection({ onSummary, onState, onProblem }) {
  let wanted = [];
  let retry = null;
  const socket = io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    auth: (cb) => {
      const token = tabGet(TOKEN_KEY);
      cb(token ? { resumeToken: token } : {});
    },
  });

  async function send() {
    clearTimeout(retry);
    if (!socket.connected) return;
    let ack;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('watchMany', { usernames: wanted });
    } catch {
      ack = { ok: false, error: { code: 'timeout', message: 'The server did not answer; trying again' } };
    }
    if (ack && ack.ok) {
      onProblem(null);
      return;
    }
    const error = (ack && ack.error) || { code: 'internal_error', message: 'The server refused the wall' };
    onProblem(error);
    const wait = Number(error.retryAfter) > 0 ? Number(error.retryAfter) * 1000 : RETRY_MS;
    if (['rate_limited', 'unavailable', 'timeout', 'session_expired'].includes(error.code)) {
      retry = setTimeout(send, wait);
    }
  }

  socket.on('session', (session) => {
    if (session && session.resumeToken) tabSet(TOKEN_KEY, session.resumeToken);
  });
  socket.on('summary', (summary) => {
    if (summary && typeof summary.username === 'string') onSummary(summary);
  });
  socket.on('connect', () => {
    onState('connected');
    send();
  });
  socket.on('disconnect', () => onState('reconnecting'));
  socket.on('connect_error', (err) => {
    if (socket.active) {
      onState('reconnecting');
      return;
    }
    onState('refused');
    onProblem((err && err.data) || { code: 'refused', message: String((err && err.message) || err) });
    if (err && err.data && err.data.code === 'unauthorized') window.location.assign('/login?next=/wall');
    else setTimeout(() => socket.connect(), RETRY_MS);
  });
  onState('connecting');

  return {
    follow(usernames) {
      const next = [...usernames];
      if (next.length === wanted.length && next.every((name, i) => name === wanted[i])) return;
      wanted = next;
      send();
    },
  };
}
