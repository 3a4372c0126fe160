// The records' side of a creator's regulars (docs/http.md, "The wall"): the leaderboards summed over the last
// days, and the team's note on a viewer. HTTP only; what shows them is boardrange.js and viewernote.js.
// Each call resolves to {ok: true, ...the answer} or {ok: false, error: {code, message}}, never throws.

const TIMEOUT_MS = 10_000;

async function call(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS),
      ...options, headers: { Accept: 'application/json', ...(options.headers || {}) } });
  } catch (err) {
    const timedOut = err && err.name === 'TimeoutError';
    return { ok: false, error: { code: timedOut ? 'timeout' : 'network', message: timedOut ? '' : 'the server could not be reached' } };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.ok && body && typeof body === 'object') return { ok: true, ...body };
  const error = body && typeof body.error === 'string'
    ? { code: body.error, message: typeof body.message === 'string' ? body.message : '' }
    : { code: 'http', message: `HTTP ${response.status}` };
  return { ok: false, error };
}

const creatorPath = (username) => `/api/creators/${encodeURIComponent(username)}`;

/** {ok, gifters, chatters, likers, days} over the creator's lives of the last `days` days. */
export function fetchBoards(username, days) {
  return call(`${creatorPath(username)}/leaderboards?days=${encodeURIComponent(days)}`);
}

/** {ok, note, updatedAt}: the note saved (`note` null: deleted, as an empty text does). */
export function saveNote(username, userId, note) {
  return call(`${creatorPath(username)}/viewers/${encodeURIComponent(userId)}/note`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ note }),
  });
}

/** What a failed call says to the person, in a sentence (the server's message when it gave one). */
export function failureText(error) {
  const code = (error && error.code) || 'unknown';
  const said = error && error.message ? error.message : '';
  if (code === 'records_off') return 'Recording is off on this server, so nothing is kept across lives.';
  if (code === 'unauthorized') return 'Your login has ended: reload the page to log in again.';
  if (code === 'timeout') return 'The server did not answer in time. Try again.';
  return said ? `${said.endsWith('.') ? said : `${said}.`}` : 'Something went wrong. Try again in a moment.';
}
