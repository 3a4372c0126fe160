// The wall's HTTP side: the roster (GET/POST /api/roster, DELETE /api/roster/<username>) and each creator's
// month (GET /api/creators/<username>/month). No DOM here. Contract: docs/http.md, "The wall".

/** A failed request: `message` for the page (the server's own, when it sent one), `code`, `status`. */
export class RequestFailed extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new RequestFailed(0, 'network', 'The server cannot be reached');
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && data.message) || `The server answered ${response.status}`;
    throw new RequestFailed(response.status, (data && data.error) || 'http_error', message);
  }
  return data;
}

/** The roster: [{username, displayName, targets}], in the order the creators were added. */
export async function loadRoster() {
  const data = await request('GET', '/api/roster');
  return Array.isArray(data && data.roster) ? data.roster : [];
}

/** Add a creator, or change its display name and targets: the saved entry. */
export function saveRosterEntry(entry) {
  return request('POST', '/api/roster', entry);
}

export function removeRosterEntry(username) {
  return request('DELETE', `/api/roster/${encodeURIComponent(username)}`);
}

/** This month's figures of a creator (in the server's WALL_TIMEZONE). */
export function loadMonth(username) {
  return request('GET', `/api/creators/${encodeURIComponent(username)}/month`);
}
