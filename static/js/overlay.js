// The overlay page (templates/overlay.html), for an OBS browser source: a session of its own
// (`kind: overlay`) on the reusable connection (connection.js), following the creator of its URL,
// resuming across reloads (its resume token in sessionStorage, under keys of its own) and
// reconnecting for as long as the page is open. The server checked the options (assistant/overlays/options.py)
// and put them in #overlay-options; the widgets shown are in the page already. The battle and poll widgets
// draw what livestate.js folds from the events, as the dashboard's cards do; the actions widget shows what the
// creator's rules fire (the `action` event); the leaderboard, viewers and counter widgets follow the
// `leaderboards`, `metrics` and `counter` events; the featured widget shows the chat line a dashboard user
// featured (the `featured` event). The styling options are applied here (overlaystyle.js).

import { createBattleWidget } from './battlewidget.js';
import { createConnection } from './connection.js';
import { createGoalBar } from './goalbar.js';
import { createLeaderboards } from './leaderboards.js';
import { createLiveState } from './livestate.js';
import { createOverlayActions } from './overlayactions.js';
import { createOverlayAlerts } from './overlayalerts.js';
import { createChatReader } from './overlaychatspeech.js';
import { createFeaturedWidget } from './overlayfeatured.js';
import { createChatList, createGiftList } from './overlaylists.js';
import { createCounterWidget, createViewerCount } from './overlaystats.js';
import { applyStyle } from './overlaystyle.js';
import { createPollWidget } from './pollwidget.js';

const UNAUTHORIZED_RELOAD_MS = 60_000;
// A LIVE that ended is not followed any more (the server stops at the end); OBS keeps the overlay
// open for the next one, so after this long it asks for the creator again (one connection start,
// then the server looks every 30 s, for free, whether the creator is live).
const ENDED_RETRY_MS = 5 * 60_000;
const REFUSED_RETRY_MS = 30_000; // a `watch` refused (the server's limits): asked again after this
// A battle's result, or a poll's final votes, stay on stream this long after the end, then go.
const ENDED_SHOWN_MS = 30_000;
const BOARD_TITLES = { gifters: 'Top gifters', chatters: 'Top chatters', likers: 'Top likers' };

const options = JSON.parse(document.getElementById('overlay-options').textContent);
// The dashboard builder's preview (an iframe marked data-preview) stays silent.
const preview = Boolean(window.frameElement && window.frameElement.dataset.preview === 'true');
if (preview) Object.assign(options, { sound: false, tts: false, ttsChat: false });
const root = document.getElementById('overlay');
const byId = (id) => document.getElementById(id);
applyStyle(document.documentElement, options);

const chat = byId('chat-list') ? createChatList(byId('chat-list'), options.max) : null;
const gifts = byId('gift-list') ? createGiftList(byId('gift-list'), options.max) : null;
const alerts = byId('alerts') ? createOverlayAlerts(byId('alerts'), options) : null;
const actions = byId('actions') ? createOverlayActions(byId('actions'), { queue: options.queue, silent: preview }) : null;
const goal = byId('goal') && options.goal ? createGoalBar(byId('goal'), options.goal) : null;
const battle = byId('battle')
  ? createBattleWidget(byId('battle'), { creator: () => options.username, supporters: false, links: false, lingerMs: ENDED_SHOWN_MS })
  : null;
const poll = byId('poll') ? createPollWidget(byId('poll'), { lingerMs: ENDED_SHOWN_MS }) : null;
const featured = byId('featured') ? createFeaturedWidget(byId('featured'), { seconds: options.featuredSeconds }) : null;
const viewers = byId('viewers') ? createViewerCount(byId('viewers')) : null;
const counter = byId('counter') ? createCounterWidget(byId('counter'), options.counter, options.counterValue) : null;
const board = byId('leaderboard') ? leaderboard(byId('leaderboard')) : null;
const chatReader = options.ttsChat
  ? createChatReader({ perMinute: options.ttsRate, onChange: (spoken) => { root.dataset.chatSpoken = String(spoken); } })
  : null;
const live = createLiveState();

/** The leaderboard widget: the URL's board, its `rows` first rows, names as text (nothing to click in OBS). */
function leaderboard(section) {
  section.querySelector('.leaderboard-title').textContent = BOARD_TITLES[options.board];
  return createLeaderboards({ [options.board]: byId('leaderboard-list') }, { links: false, size: options.rows });
}

/** Nothing under way (another creator; a snapshot starts over). */
function resetLive() {
  live.reset();
  battle?.show(null);
  poll?.show(null);
}

/** What the battle and poll widgets show after these events. */
function showLive(events) {
  const changed = live.apply(events);
  if (changed.has('battle')) battle?.show(live.battle);
  if (changed.has('poll')) poll?.show(live.poll);
}

let socketState = 'connecting';
let status = 'connecting';
let retry = null;

function showStatus() {
  root.dataset.status = socketState === 'connected' ? status : socketState;
}

/** Ask for the creator again after `ms` (once at a time; again later if refused). */
function watchLater(ms) {
  if (retry !== null) return;
  retry = window.setTimeout(async () => {
    const ack = await connection.watch(options.username);
    retry = null;
    if (!ack.ok) watchLater(REFUSED_RETRY_MS);
  }, ms);
}

const connection = createConnection({
  onSocketState(state) {
    socketState = state;
    showStatus();
  },
  onSession(session) {
    root.dataset.sessionId = session.sessionId || '';
    status = session.status || 'idle';
    showStatus();
    if (status === 'ended') watchLater(ENDED_RETRY_MS);
  },
  onCreator() {
    chat?.clear();
    gifts?.clear();
    alerts?.clear();
    actions?.clear();
    featured?.clear();
    goal?.reset();
    viewers?.reset();
    board?.clear();
    chatReader?.clear();
    resetLive();
  },
  onSnapshot(snapshot) {
    chat?.replace(snapshot.recent);
    gifts?.replace(snapshot.recent);
    goal?.update(snapshot.metrics);
    viewers?.update(snapshot.metrics);
    alerts?.metrics(snapshot.metrics);
    board?.update(snapshot.leaderboards);
    resetLive();
    showLive(snapshot.recent);
    featured?.events(snapshot.recent);
  },
  onEvents(events) {
    chat?.push(events);
    gifts?.push(events);
    showLive(events);
    featured?.events(events);
    alerts?.live(events); // live events only: a reload does not alert again
    chatReader?.live(events);
  },
  onMetrics(metrics) {
    goal?.update(metrics);
    viewers?.update(metrics);
    alerts?.metrics(metrics);
  },
  onLeaderboards(boards) {
    board?.update(boards);
  },
  onCounter(payload) {
    counter?.update(payload);
  },
  onAction(action) {
    actions?.offer(action);
  },
  onFeatured(payload) {
    featured?.show(payload);
  },
  onRequestFailed({ error }) {
    watchLater(Number(error && error.retryAfter) > 0 ? Number(error.retryAfter) * 1000 : REFUSED_RETRY_MS);
  },
  onRestored({ error }) {
    if (error) watchLater(REFUSED_RETRY_MS);
  },
  onUnauthorized() {
    // The link's signature no longer holds (a new SECRET_KEY, or ACCESS_PASSWORD just set): the page
    // itself will say so on a reload, or come back if it was passing.
    socketState = 'unauthorized';
    showStatus();
    window.setTimeout(() => window.location.reload(), UNAUTHORIZED_RELOAD_MS);
  },
}, {
  requested: options.username,
  storagePrefix: `liveAssistant.overlay.${options.username}.`,
  auth: { kind: 'overlay', overlay: { username: options.username, query: window.location.search } },
});
