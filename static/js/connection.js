// The Socket.IO side of the dashboard: connect, resume, acks, reconnect, and the protocol state
// (session, watched creator, last seq seen). No DOM here: everything the page shows goes out through
// the handlers given to createConnection().
//
// The tab remembers its creator (sessionStorage): when the server no longer knows the tab's
// session (a server restart, or a session that expired while the tab was away), the tab gets a new
// one and follows that creator again by itself.
//
// Contract: docs/protocol.md.

import { io } from './vendor/socket.io.esm.min.js';
import { tabGet, tabSet } from './storage.js';
import { parseUsername } from './usernames.js';

const ACK_TIMEOUT_MS = 15_000;
const REFUSED_RETRY_MS = 10_000;

function seqOf(event) {
  const n = Number(event && event.seq);
  return Number.isFinite(n) ? n : null;
}

/**
 * handlers (all optional):
 *   onSocketState(state)   'connecting' (first connection) | 'connected' | 'reconnecting' | 'refused'
 *   onSession(session)     every `session` payload (and the session returned in acks)
 *   onCreator(username)    the watched creator changed (null: none); the view should start empty
 *   onSnapshot(snapshot)   replace feeds and cards
 *   onEvents(events)       new events for the watched creator, in seq order, without duplicates
 *   onMetrics(metrics)     metrics of the watched creator
 *   onStats(stats)         {totalSessions, totalConnectedClients}
 *   onError(error)         {code, message, retryAfter?} from an `error` event or a refused connection
 *   onRestored({username, countingRestarted, error?})
 *                          the session was lost and the tab followed its creator again (error: it
 *                          could not); countingRestarted: true (the stream started over on the
 *                          server, totals from zero), false (totals carried on) or null (unknown)
 *   onRequestFailed({username, error})   the `requested` creator could not be followed
 *   onUnauthorized()       the server refused the connection for want of a login
 *   onLeaderboards(boards) {gifters, chatters, likers} of the watched creator (whole boards)
 *   onSeries(points)       changed per-minute points of the watched creator (merge them by `t`)
 *   onAction(action)       an overlay or tts action a rule of the watched creator fired ({ruleId, kind, text,
 *                          image, sound, seconds}: docs/actions.md)
 *   onCounter(counter)     a counter of the watched creator changed ({name, value})
 *   onFeatured(featured)   the watched creator's featured chat line ({event, at, until, age}; event null: none)
 *
 * options: `requested`, a username to follow once the session is known (the page's address), unless
 * the session already follows it (a reload must not watch twice). `storagePrefix`: the sessionStorage
 * keys of the resume token and the creator (an overlay framed by the dashboard shares the tab's
 * sessionStorage, so it keeps its own). `auth`: more fields of the connect auth (an overlay's kind and
 * signed query).
 */
export function createConnection(handlers = {}, { requested = null, storagePrefix = 'liveAssistant.', auth: moreAuth = {} } = {}) {
  const TOKEN_KEY = `${storagePrefix}resumeToken`;
  const CREATOR_KEY = `${storagePrefix}username`;
  const call = (name, ...args) => {
    const fn = handlers[name];
    if (typeof fn !== 'function') return;
    try {
      fn(...args);
    } catch (err) {
      console.error(`Live Assistant: ${name} handler failed`, err);
    }
  };

  const state = {
    sessionId: null,
    username: null, // the creator this tab shows
    pendingUsername: null, // asked for with `watch`, ack not back yet
    lastSeq: null, // highest seq seen for `username`
    // A snapshot (and the live events, boards and points after it) for a creator this tab does not
    // show yet: another window of the same session switched creator, and the `session` saying so
    // comes just after.
    stray: null,
    everConnected: false,
    loggedSocketId: null, // the socket connection whose session was last logged
    startedSocketId: null, // the socket connection whose first `session` was handled
    requested, // followed once the first session is known
    // {username, restoring, previousSeq} while the tab follows a creator by itself (`restoring`: its
    // remembered creator, after a lost session), until the ack
    following: null,
  };

  function setCreator(username) {
    const name = username || null;
    tabSet(CREATOR_KEY, name);
    if (name === state.username) return;
    state.username = name;
    state.lastSeq = null;
    call('onCreator', name);
    const stray = state.stray;
    state.stray = null;
    if (name && stray && stray.snapshot.username === name) {
      applySnapshot(stray.snapshot);
      applyEvents(stray.events);
      if (stray.leaderboards) call('onLeaderboards', stray.leaderboards);
      if (stray.points.length) call('onSeries', stray.points);
    }
  }

  function applySnapshot(snapshot) {
    const recent = Array.isArray(snapshot.recent) ? snapshot.recent : [];
    let last = seqOf(snapshot);
    for (const event of recent) {
      const s = seqOf(event);
      if (s !== null && (last === null || s > last)) last = s;
    }
    state.lastSeq = last;
    call('onSnapshot', { ...snapshot, recent });
  }

  function applyEvents(events) {
    const fresh = [];
    for (const event of events) {
      if (!event || typeof event !== 'object') continue;
      const s = seqOf(event);
      if (s !== null) {
        if (state.lastSeq !== null && s <= state.lastSeq) continue; // already shown
        state.lastSeq = s;
      }
      fresh.push(event);
    }
    if (fresh.length) call('onEvents', fresh);
  }

  function handleSession(session, fromSocket = true) {
    if (!session || typeof session !== 'object') return;
    if (session.resumeToken) tabSet(TOKEN_KEY, session.resumeToken);
    const previousId = state.sessionId;
    const previousSeq = state.username ? state.lastSeq : null;
    state.sessionId = session.sessionId || state.sessionId;
    // Buffered events reach us before 'connect' fires, so tell connections apart by socket id.
    if (fromSocket && (state.loggedSocketId !== socket.id || previousId !== state.sessionId)) {
      state.loggedSocketId = socket.id;
      console.log(`Live Assistant session ${state.sessionId} (${session.resumed ? 'resumed' : 'new'})`);
    }
    if (previousId && previousId !== state.sessionId) {
      // The old session expired (server restart, long outage): start from a clean view.
      state.username = undefined;
    }
    if (fromSocket && state.startedSocketId !== socket.id) {
      state.startedSocketId = socket.id;
      startSession(session, previousSeq);
    }
    // While the tab follows a creator by itself, it shows that creator (empty) until the ack.
    setCreator(state.following ? state.following.username : session.username);
    call('onSession', session);
  }

  /** The first `session` of a socket connection: follow the requested or remembered creator. */
  function startSession(session, previousSeq) {
    const asked = state.requested;
    state.requested = null;
    const remembered = session.resumed ? null : tabGet(CREATOR_KEY);
    const wanted = asked || remembered;
    if (!wanted || wanted === session.username) return;
    const following = { username: wanted, restoring: wanted === remembered, previousSeq };
    state.following = following;
    watch(wanted).then((ack) => {
      if (state.following !== following) return;
      state.following = null;
      if (ack.ok) return; // a restore is reported with its snapshot, which came before the ack
      setCreator(session.username);
      if (following.restoring) call('onRestored', { username: wanted, countingRestarted: null, error: ack.error });
      else call('onRequestFailed', { username: wanted, error: ack.error });
    });
  }

  /** The snapshot of the creator followed again after a lost session: did its counting start over? */
  function reportRestored(snapshot) {
    const { username, restoring, previousSeq } = state.following;
    if (!restoring) return;
    state.following.restoring = false; // reported once
    const seq = seqOf(snapshot);
    // A stream that had numbered nothing yet tells nothing (0 then 0).
    const countingRestarted = previousSeq > 0 && seq !== null ? seq < previousSeq : null;
    call('onRestored', { username, countingRestarted });
  }

  const socket = io({
    // WebSocket first: one long-lived connection needs no session affinity at a load balancer in front
    // of several processes; long-polling stays as the fallback where WebSocket cannot get through.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    // Function form: evaluated on every (re)connection, so a reconnect sends the current lastSeq.
    auth: (cb) => {
      const auth = { ...moreAuth };
      const token = tabGet(TOKEN_KEY);
      if (token) auth.resumeToken = token;
      if (state.username && state.lastSeq !== null) auth.lastSeq = state.lastSeq;
      cb(auth);
    },
  });

  socket.on('connect', () => {
    state.everConnected = true;
    call('onSocketState', 'connected');
  });

  socket.on('disconnect', (reason) => {
    call('onSocketState', 'reconnecting');
    if (reason === 'io server disconnect') {
      // The server closed this socket on purpose; socket.io does not retry that by itself.
      window.setTimeout(() => socket.connect(), 1000);
    }
  });

  socket.io.on('reconnect_attempt', () => call('onSocketState', 'reconnecting'));

  socket.on('connect_error', (err) => {
    if (socket.active) {
      // Network trouble: socket.io keeps retrying with backoff.
      call('onSocketState', state.everConnected ? 'reconnecting' : 'connecting');
      return;
    }
    // Refused by the server (e.g. too_many_sessions): show why, try again later.
    const data = (err && err.data) || {};
    const error = data.error && typeof data.error === 'object' ? data.error : data;
    if (error.code === 'unauthorized') {
      // No login (ACCESS_PASSWORD set), or it expired: only logging in helps, so no retry.
      call('onUnauthorized');
      return;
    }
    call('onSocketState', 'refused');
    call('onError', {
      code: error.code || 'connect_refused',
      message: error.message || (err && err.message) || '',
      retryAfter: error.retryAfter,
    });
    const wait = Number(error.retryAfter) > 0 ? Number(error.retryAfter) * 1000 : REFUSED_RETRY_MS;
    window.setTimeout(() => socket.connect(), wait);
  });

  socket.on('session', (session) => handleSession(session, true));

  socket.on('snapshot', (snapshot) => {
    if (!snapshot || typeof snapshot !== 'object' || !snapshot.username) return;
    const name = snapshot.username;
    if (name === state.username) {
      applySnapshot(snapshot);
      if (state.following && state.following.username === name) reportRestored(snapshot);
    } else if (name === state.pendingUsername) {
      state.stray = null;
      setCreator(name);
      applySnapshot(snapshot);
    } else {
      state.stray = { snapshot, events: [], leaderboards: null, points: [] };
    }
  });

  socket.on('live', (payload) => {
    if (!payload || !Array.isArray(payload.events)) return;
    if (payload.username === state.username) {
      applyEvents(payload.events);
    } else if (state.stray && payload.username === state.stray.snapshot.username && state.stray.events.length < 5000) {
      state.stray.events.push(...payload.events);
    }
  });

  socket.on('metrics', (payload) => {
    if (!payload || payload.username !== state.username || !payload.metrics) return;
    call('onMetrics', payload.metrics);
  });

  // The assistant's boards and per-minute series (docs/dashboard.md, "Insights").
  socket.on('leaderboards', (payload) => {
    if (!payload || typeof payload !== 'object') return;
    if (payload.username === state.username) call('onLeaderboards', payload);
    else if (state.stray && payload.username === state.stray.snapshot.username) state.stray.leaderboards = payload;
  });

  socket.on('series', (payload) => {
    if (!payload || !Array.isArray(payload.points)) return;
    if (payload.username === state.username) call('onSeries', payload.points);
    else if (state.stray && payload.username === state.stray.snapshot.username && state.stray.points.length < 5000) {
      state.stray.points.push(...payload.points);
    }
  });

  // What the creator's rules do (docs/actions.md): live only, never replayed.
  socket.on('action', (payload) => {
    if (payload && typeof payload === 'object' && payload.username === state.username) call('onAction', payload);
  });

  socket.on('counter', (payload) => {
    if (payload && typeof payload === 'object' && payload.username === state.username) call('onCounter', payload);
  });

  // The chat line featured on the creator's overlays (docs/protocol.md, `featured`): on each change, and on joining.
  socket.on('featured', (payload) => {
    if (payload && typeof payload === 'object' && payload.username === state.username) call('onFeatured', payload);
  });

  socket.on('stats', (stats) => {
    if (stats && typeof stats === 'object') call('onStats', stats);
  });

  socket.on('error', (error) => {
    if (error && typeof error === 'object') call('onError', error);
  });

  async function request(event, payload) {
    let response;
    try {
      response = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload);
    } catch {
      return { ok: false, error: { code: 'timeout', message: 'The server did not answer in time.' } };
    }
    if (!response || typeof response !== 'object') {
      return { ok: false, error: { code: 'bad_response', message: 'Unexpected answer from the server.' } };
    }
    if (response.ok && response.session) handleSession(response.session, false);
    return response;
  }

  /** Start following a creator: a name, `@name` or a TikTok link. Resolves to the ack. */
  async function watch(input) {
    state.pendingUsername = parseUsername(input).username || null;
    try {
      return await request('watch', { username: String(input) });
    } finally {
      state.pendingUsername = null;
    }
  }

  return {
    watch,
    /** Stop following. Resolves to the ack. */
    async unwatch() {
      return request('unwatch', {});
    },
    /** One viewer's card in the watched creator's live. Resolves to the ack ({ok, viewer} or {ok: false, error}). */
    async viewer(userId) {
      if (!socket.connected) {
        return { ok: false, error: { code: 'disconnected', message: 'Not connected to the server right now.' } };
      }
      return request('viewer', { userId: String(userId) });
    },
    /** Put one of the watched creator's chat lines on its overlays. Resolves to the ack ({ok, featured}). */
    async feature(messageId) {
      return request('feature', { messageId: String(messageId) });
    },
    /** Take the featured line off (only if it is still `messageId`'s, when given). Resolves to the ack. */
    async unfeature(messageId = null) {
      return request('unfeature', messageId === null ? {} : { messageId: String(messageId) });
    },
    get sessionId() {
      return state.sessionId;
    },
    get username() {
      return state.username;
    },
    get connected() {
      return socket.connected;
    },
  };
}
