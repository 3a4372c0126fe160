// Wires the dashboard together: the connection (socket and protocol state) on one side, the
// rendering modules (header, banner, form, cards, feeds) on the other.

import { createBanner } from './banner.js';
import { createConnection } from './connection.js';
import { createFeeds } from './feeds.js';
import { createForm } from './form.js';
import { createHeader } from './header.js';
import { createMetrics } from './metrics.js';

const header = createHeader();
const banner = createBanner();
const metrics = createMetrics();
const feeds = createFeeds({
  chat: document.getElementById('chat-feed'),
  gifts: document.getElementById('gift-feed'),
  activity: document.getElementById('activity-feed'),
});

let socketState = 'connecting';
let sessionStatus = 'idle';

// What the header badge says: the socket's trouble first, else the session's status.
function badgeStatus() {
  if (socketState === 'refused') return 'error';
  if (socketState === 'connecting') return 'connecting';
  if (socketState === 'reconnecting') return 'reconnecting';
  return sessionStatus || 'idle';
}

// The form only reaches the connection when the user acts, so it can be built first.
const form = createForm({
  onWatch: (input) => connection.watch(input),
  onUnwatch: () => connection.unwatch(),
});

const connection = createConnection({
  onSocketState(state) {
    socketState = state;
    header.update({ status: badgeStatus() });
    banner.update({ socket: state });
  },
  onSession(session) {
    const previous = sessionStatus;
    sessionStatus = session.status || 'idle';
    header.update({
      sessionId: session.sessionId,
      status: badgeStatus(),
      username: session.username || null,
      total: session.totalSessions,
      clients: session.connectedClients,
    });
    banner.update({
      status: sessionStatus,
      username: session.username || null,
      // the stream's last failure while it holds; cleared once the stream is fine again
      error: session.error || (sessionStatus === 'error' || sessionStatus === 'offline' ? undefined : null),
    });
    if (sessionStatus === 'connected' && previous !== 'connected') {
      banner.update({ error: null });
      form.clearMessage();
    }
  },
  onCreator(username) {
    feeds.clear();
    metrics.reset();
    banner.update({ username, error: null });
    form.setWatching(username);
    document.title = username ? `@${username} · Live Assistant` : 'Live Assistant';
  },
  onSnapshot(snapshot) {
    feeds.replace(snapshot.recent);
    metrics.reset();
    metrics.update(snapshot.metrics);
  },
  onEvents(events) {
    feeds.push(events);
  },
  onMetrics(values) {
    metrics.update(values);
  },
  onStats(stats) {
    header.update({ total: stats.totalSessions, totalClients: stats.totalConnectedClients });
  },
  onError(error) {
    // Failures after an ack concern the stream (or the connection): the banner explains them.
    // Errors answered in an ack are shown under the form by the form itself.
    banner.update({ error });
  },
});
