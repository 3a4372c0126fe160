// The banner above the cards: what the stream is doing when it is not simply live
// (no creator yet, connecting, offline, ended, error, server connection lost).

import { describeWait, errorMessage } from './messages.js';
import { requestFlush } from './frame.js';

/** "about 40 s, 2 ahead of you" for a stream waiting for TikTok's sign-server budget. */
function describeQueue({ retryAfter, ahead }) {
  const wait = Number(retryAfter) > 0 ? `about ${describeWait(Number(retryAfter))}` : 'a moment';
  const n = Number(ahead) || 0;
  return n > 0 ? `${wait}, ${n} ahead of you` : wait;
}

function describe({ socket, status, username, error, queue }) {
  const at = username ? `@${username}` : 'the creator';
  if (socket === 'reconnecting') {
    return ['disconnected', 'Connection to the server lost', 'Reconnecting… Live data picks up where it left off.'];
  }
  if (socket === 'refused') {
    return ['error', 'The server refused this dashboard', errorMessage(error, { context: 'connect' })];
  }
  if (socket === 'connecting' && !username) {
    return ['connecting', 'Connecting to Live Assistant…', 'Setting up your session.'];
  }
  if (!username) {
    return ['empty', 'Pick a creator to follow', 'Enter a TikTok username above. Chat, gifts, likes and viewers appear here as they happen.'];
  }
  switch (status) {
    case 'connected':
      return ['live', '', ''];
    case 'queued':
      return ['connecting', `Waiting for TikTok: ${describeQueue(queue || {})}`, `TikTok allows only a few new connections a minute; ${at} ${Number((queue || {}).ahead) > 0 ? 'connects in its turn' : 'is next in line'}. Nothing to do on your side.`];
    case 'connecting':
      return ['connecting', `Connecting to ${at}'s LIVE…`, 'The first events usually arrive within a few seconds.'];
    case 'reconnecting':
      return ['reconnecting', `Reconnecting to ${at}'s LIVE…`, 'The connection to TikTok dropped. Retrying; nothing to do on your side.'];
    case 'offline':
      return ['offline', `${at} is not live right now`, 'This page checks again every so often and follows them as soon as their LIVE starts. Or pick another creator.'];
    case 'ended':
      return ['ended', `${at}'s LIVE has ended`, 'The totals and feeds below are final. Pick another creator to keep going.'];
    case 'error':
      return ['error', `Could not follow ${at}`, error ? errorMessage(error, { username, context: 'stream' }) : 'Something went wrong. Try connecting again.'];
    default:
      return ['live', '', ''];
  }
}

export function createBanner(root = document) {
  const banner = root.getElementById('stream-banner');
  const title = root.getElementById('stream-banner-title');
  const detail = root.getElementById('stream-banner-detail');
  const view = { socket: 'connecting', status: 'idle', username: null, error: null, queue: null };

  function render() {
    const [state, heading, text] = describe(view);
    banner.dataset.state = state;
    banner.hidden = state === 'live';
    title.textContent = heading;
    detail.textContent = text;
    document.body.dataset.stream = state;
  }

  return {
    update(fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v !== undefined) view[k] = v;
      }
      requestFlush(render);
    },
  };
}
