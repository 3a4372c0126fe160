// Wires the dashboard together: the connection (socket and protocol state) on one side, the
// rendering modules (header, banner, form, notice, cards, feeds, what is on the LIVE now) and the
// address on the other.

import { addressRequest, createAddress } from './address.js';
import { createBanner } from './banner.js';
import { createChatTools } from './chattools.js';
import { createConnection } from './connection.js';
import { createFeaturing } from './featuring.js';
import { createFeeds } from './feeds.js';
import { createForm } from './form.js';
import { createHeader } from './header.js';
import { createInsights } from './insights.js';
import { createLiveCards } from './livecards.js';
import { sessionLostNotice } from './messages.js';
import { createMetrics } from './metrics.js';
import { createNotice } from './notice.js';
import { createReportLink } from './reportlink.js';
import { parseUsername } from './usernames.js';

const header = createHeader();
const reportLink = createReportLink(document.getElementById('report-link'));
const banner = createBanner();
const notice = createNotice();
const metrics = createMetrics();
const byId = (id) => document.getElementById(id);
// Chat tools: search, highlights, gift alerts, speech; they decorate the chat rows as they are built.
const chatTools = createChatTools();
// "Feature on stream" on each chat line (featuring.js); `connection` is made below.
const featuring = createFeaturing({
  list: byId('chat-feed'),
  strip: byId('chat-featured'),
  request: { feature: (id) => connection.feature(id), unfeature: (id) => connection.unfeature(id) },
});
const feeds = createFeeds(
  { chat: byId('chat-feed'), gifts: byId('gift-feed'), activity: byId('activity-feed'), questions: byId('question-feed') },
  {
    newButtons: { chat: byId('chat-new'), gifts: byId('gift-new'), activity: byId('activity-new'), questions: byId('question-new') },
    rows: { chat: (event) => featuring.decorate(chatTools.chatRow(event), event) },
  },
);
// Insights: leaderboards, charts, the viewer card (insights.js); `connection` is made below.
const insights = createInsights({
  requestViewer: (userId) => connection.viewer(userId),
  creator: () => connection.username,
});
// The battle, the poll, TikTok's goal, the pinned line and the creator's pause (livecards.js).
const liveCards = createLiveCards({
  creator: () => connection.username,
  onPaused: (paused) => header.update({ paused }),
});

let socketState = 'connecting';
let sessionStatus = null; // null until the first `session`

// What the header badge says: the socket's trouble first, else the session's status.
function badgeStatus() {
  if (socketState === 'refused') return 'error';
  if (socketState === 'connecting') return 'connecting';
  if (socketState === 'reconnecting') return 'reconnecting';
  return sessionStatus || 'idle';
}

// True while this tab's user switches creator (the form): the address then gets a new history
// entry; other changes (a resume, another tab of the session, back and forward) replace it.
let userSwitch = false;

async function switchCreator(action) {
  userSwitch = true;
  try {
    const ack = await action();
    if (ack && ack.ok) notice.hide();
    return ack;
  } finally {
    userSwitch = false;
  }
}

// The form only reaches the connection when the user acts, so it can be built first.
const form = createForm({
  onWatch: (input) => switchCreator(() => connection.watch(input)),
  onUnwatch: () => switchCreator(() => connection.unwatch()),
});

/** What an address asks for: {username: null} for /, else the username rule's answer for the text. */
function parseRequest(request) {
  return request === null ? { username: null } : parseUsername(request);
}

// Back and forward: follow the creator of that address (checked like the form's input).
async function navigate(request) {
  const wanted = parseRequest(request);
  if (wanted.error) {
    form.refuseText(request, wanted.error);
    return;
  }
  if (wanted.username === connection.username) return;
  const ack = await (wanted.username ? connection.watch(wanted.username) : connection.unwatch());
  if (!ack.ok) {
    form.showError(ack.error, wanted.username);
    address.follow(connection.username); // the address stays the creator shown
  }
}

const address = createAddress({ onNavigate: navigate });

// The address this page was opened at: a refused one is explained like a refused input.
const opened = addressRequest();
const openedWith = parseRequest(opened);
if (openedWith.error) form.refuseText(opened, openedWith.error);

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
    reportLink.update({ username: session.username || null, status: sessionStatus });
    banner.update({
      status: sessionStatus,
      username: session.username || null,
      queue: sessionStatus === 'queued' ? { retryAfter: session.retryAfter, ahead: session.ahead } : null,
      // the stream's last failure while it holds; cleared once the stream is fine again
      error: session.error || (sessionStatus === 'error' || sessionStatus === 'offline' ? undefined : null),
    });
    // A stream that is fine again clears the form's old complaint (not the page's first news: a
    // refused address stays explained).
    if (sessionStatus === 'connected' && previous !== null && previous !== 'connected') {
      banner.update({ error: null });
      form.clearMessage();
    }
  },
  onCreator(username) {
    chatTools.setCreator(username);
    featuring.reset();
    feeds.clear();
    liveCards.reset();
    metrics.reset();
    insights.reset();
    banner.update({ username, error: null });
    form.setWatching(username);
    address.follow(username, { push: userSwitch });
    document.title = username ? `@${username} · Live Assistant` : 'Live Assistant';
  },
  onSnapshot(snapshot) {
    feeds.replace(snapshot.recent);
    liveCards.snapshot(snapshot.recent);
    metrics.reset();
    metrics.update(snapshot.metrics);
    liveCards.metrics(snapshot.metrics);
    insights.snapshot(snapshot);
  },
  onEvents(events) {
    feeds.push(events);
    liveCards.push(events);
    chatTools.live(events); // alerts and speech: live events only, never the snapshot
    featuring.events(events);
  },
  onFeatured(featured) {
    featuring.show(featured);
  },
  onMetrics(values) {
    metrics.update(values);
    liveCards.metrics(values);
  },
  onLeaderboards(boards) {
    insights.leaderboards(boards);
  },
  onSeries(points) {
    insights.series(points);
  },
  onStats(stats) {
    header.update({ total: stats.totalSessions, totalClients: stats.totalConnectedClients });
  },
  onError(error) {
    // Failures after an ack concern the stream (or the connection): the banner explains them.
    // Errors answered in an ack are shown under the form by the form itself.
    banner.update({ error });
  },
  onRestored(outcome) {
    notice.show(sessionLostNotice(outcome), outcome.error ? 'session_restore_failed' : 'session_restored');
  },
  onRequestFailed({ username, error }) {
    form.showError(error, username);
    address.follow(connection.username);
  },
  onUnauthorized() {
    // Log in, then come back to this address.
    const here = window.location.pathname + window.location.search;
    window.location.assign(`/login?next=${encodeURIComponent(here)}`);
  },
}, { requested: openedWith.username || null });
