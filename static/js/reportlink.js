// The header's link to the creator's newest recorded live (#report-link; absent with RECORD_STREAMS=0).
// It shows only once the records hold a live of theirs (GET /api/streams?username=&limit=1): a creator
// who is offline, or not found, and was never recorded has no report to open. A live's record is
// opened when the stream connects and written within about half a second (assistant/records writes in
// batches), so while the status is `connected` and no record is found yet, the question is asked again
// a few times, a little later each time.

const RETRY_MS = [1000, 3000, 10000];
const TIMEOUT_MS = 10_000;

async function hasRecord(username) {
  const url = `/api/streams?username=${encodeURIComponent(username)}&limit=1`;
  try {
    const response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) return false; // 404 records_off, 503: no report to link to
    const body = await response.json();
    return Array.isArray(body.streams) && body.streams.length > 0;
  } catch {
    return false;
  }
}

/** link: the <a id="report-link">, or null (recording off: nothing to do). Returns {update({username, status})}. */
export function createReportLink(link) {
  let username = null;
  let connected = false;
  let found = false;
  let ticket = 0; // the newest question: an older one's answer (another creator's) is ignored
  let timer = null;

  function show() {
    link.hidden = !found;
    if (username) link.href = `/streams/latest?username=${encodeURIComponent(username)}`;
  }

  async function ask(attempt) {
    window.clearTimeout(timer);
    timer = null;
    const mine = ++ticket;
    const name = username;
    const answer = await hasRecord(name);
    if (mine !== ticket) return;
    found = answer;
    show();
    if (!found && connected && attempt < RETRY_MS.length) {
      timer = window.setTimeout(() => ask(attempt + 1), RETRY_MS[attempt]);
    }
  }

  return {
    /** The session's creator (null for none) and status, on every `session`. */
    update({ username: name, status }) {
      if (!link) return;
      const wasConnected = connected;
      connected = status === 'connected';
      if (name !== username) {
        username = name;
        found = false;
        ticket += 1; // forget the last creator's question
        window.clearTimeout(timer);
        show();
        if (username) ask(0);
      } else if (username && !found && connected && !wasConnected) {
        ask(0); // connected now: its record is on its way
      }
    },
  };
}
