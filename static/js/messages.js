// Human messages for the contract's error codes, and the notice after a lost session. Pure
// functions, no DOM.

import { SHORT_LINK_MESSAGE } from './usernames.js';

function who(username) {
  return username ? `@${username}` : 'That creator';
}

/** The server's own message of an error, as one sentence ending in a stop; '' when it has none. */
function serverSentence(error) {
  const text = error && typeof error.message === 'string' ? error.message.trim() : '';
  if (!text) return '';
  return /[.!?…]$/.test(text) ? text : `${text}.`;
}

/** Seconds → "40 seconds", "2 minutes". */
export function describeWait(seconds) {
  const s = Math.max(0, Math.ceil(Number(seconds) || 0));
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/**
 * The sentence shown for an error {code, message, retryAfter?}. Options: `username`, the creator
 * concerned when known; `secondsLeft`, overriding retryAfter for a running countdown; `context`,
 * 'request' (the answer to the user's own watch/unwatch) or 'stream' (a failure the server reports
 * later, while it keeps retrying on its own).
 */
export function errorMessage(error, { username = null, secondsLeft, context = 'request' } = {}) {
  const code = (error && error.code) || 'unknown';
  const retryAfter = secondsLeft !== undefined ? secondsLeft : Number(error && error.retryAfter);
  const retry = retryAfter > 0 ? ` Try again in ${describeWait(retryAfter)}.` : '';
  switch (code) {
    case 'invalid_username':
      if (error.reason === 'short_link') return `${SHORT_LINK_MESSAGE}.`;
      return 'That is not a TikTok username. Use 2 to 24 letters, digits, "_" or ".", like @creator, or paste a link to their profile or LIVE.';
    case 'bad_request':
      return 'The server did not understand that request. Reload the page and try again.';
    case 'too_many_streams':
      return `The server is already following as many LIVE streams as it can.${retry || ' Try again later, or pick a creator someone here already follows.'}`;
    case 'too_many_sessions':
      return `Too many dashboards are open right now.${retry || ' Close one of your other windows and try again.'}`;
    case 'rate_limited':
      if (context === 'stream') {
        return retryAfter > 0
          ? `TikTok allows only a few new LIVE connections a minute. Retrying by itself in about ${describeWait(retryAfter)}.`
          : 'TikTok allows only a few new LIVE connections a minute. Retrying by itself shortly.';
      }
      return `You switched creators too often.${retry || ' Wait a moment and try again.'}`;
    case 'user_not_found':
      return `${who(username)} does not exist on TikTok. Check the spelling.`;
    case 'age_restricted':
      return `${who(username)}'s LIVE is age-restricted: TikTok shows it only to a logged-in viewer. The server's administrator can set a TikTok login (TIKTOK_SESSION_ID and TIKTOK_TARGET_IDC).`;
    case 'upstream_blocked': {
      const said = serverSentence(error);
      return `${said || `TikTok refused the connection${username ? ` to @${username}'s LIVE` : ''}.`} Retrying by itself.`;
    }
    case 'user_offline':
      return context === 'stream'
        ? `${who(username)} is not live right now. This page follows them as soon as their LIVE starts.`
        : `${who(username)} is not live right now. Try again when their LIVE starts.`;
    case 'upstream_error':
      // In a stream's banner the server's message says why ("Cannot reach TikTok: its address could not be
      // looked up (…)"); shown as text, like everything here.
      if (context === 'stream') {
        const said = serverSentence(error);
        return `${said || `The connection to TikTok${username ? ` for @${username}` : ''} failed.`} Retrying by itself.`;
      }
      return `Could not reach TikTok${username ? ` for @${username}` : ''}.${retry || ' Try again in a moment.'}`;
    case 'unavailable':
      return `The server is briefly out of reach of its shared store (Redis).${retry || ' It retries by itself in a few seconds.'}`;
    case 'session_expired':
      return 'This dashboard\'s session was lost on the server. Reconnecting with a new one…';
    case 'timeout':
      return 'The server did not answer in time. Check your connection and try again.';
    case 'empty':
      return 'Enter a creator: a username, @name, or a TikTok link.';
    default: {
      const detail = error && typeof error.message === 'string' && error.message ? ` (${error.message})` : '';
      return `Something went wrong${detail}.${retry || ' Try again in a moment.'}`;
    }
  }
}

/**
 * What a tab says when the server no longer knew its session and the tab followed its creator again
 * by itself. `countingRestarted`: true when the creator's stream started over on the server (the
 * server restarted: totals from zero), false when it carried on (only the session had expired),
 * null when unknown (the tab was reloaded in between).
 */
export function sessionLostNotice({ username, countingRestarted, error }) {
  const at = `@${username}`;
  if (error) {
    return `The server restarted (or forgot this tab's session), and this tab could not follow ${at} again: ${errorMessage(error, { username })}`;
  }
  if (countingRestarted === true) {
    return `The server restarted: this tab follows ${at} again, and counting restarted (the totals start again from zero).`;
  }
  if (countingRestarted === false) {
    return `This tab's session had expired: it follows ${at} again with a new one. The totals carried on.`;
  }
  return `The server restarted or forgot this tab's session: it follows ${at} again with a new one, and the totals may have started again from zero.`;
}
