// The /actions page's requests: JSON to and from the rules' API (/api/actions) and the uploads' routes
// (/api/media). Every refusal becomes an ApiError carrying the server's `message` (what the page shows
// beside the form), a dropped connection or an ended login one of its own.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(response) {
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null; // not JSON (a proxy's error page): said by the status below
  }
  if (response.status === 401) {
    throw new ApiError(401, 'unauthorized', 'Your login has ended: reload the page and log in.');
  }
  if (!response.ok) {
    const message = data && typeof data.message === 'string' ? data.message : `The server answered ${response.status}.`;
    throw new ApiError(response.status, (data && data.error) || 'error', message);
  }
  return data || {};
}

async function send(path, init) {
  let response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(0, 'network', 'The server did not answer; check the connection and try again.');
  }
  return answer(response);
}

/** `api('GET', '/api/actions?username=maya')`; a body is sent as JSON. Resolves to the answer (null for 204). */
export function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return send(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** POST /api/media with the file: resolves to the upload's {name, kind, contentType, size, originalName, url}. */
export function uploadFile(file) {
  const form = new FormData();
  form.append('file', file, file.name);
  return send('/api/media', { method: 'POST', headers: { Accept: 'application/json' }, body: form });
}

/** `/api/actions/counters/<username>/<name>`, each part escaped. */
export function counterPath(username, name) {
  return `/api/actions/counters/${encodeURIComponent(username)}/${encodeURIComponent(name)}`;
}
