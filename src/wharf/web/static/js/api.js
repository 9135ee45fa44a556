// The one way the UI talks to Wharf: the public REST API, with the session token from
// POST /auth/login as a Bearer token. The token lives in sessionStorage (this tab only).
// Any 401 on an authenticated call means the session is over: the token is dropped and
// the app goes back to the login screen.

const TOKEN_KEY = 'wharf.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let expiredHandler = () => {};

export function onSessionExpired(handler) {
  expiredHandler = handler;
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionEnded = false;
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/** url`/accounts/${name}/teams` — interpolated values are URL-encoded path segments. */
export function url(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ''), '');
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    const messages = (body.errors || []).map((e) => e.message).filter(Boolean);
    if (messages.length) return messages.join('; ');
    // the Docker API (/docker/...): {"message": "access denied: Service Delete on /..."}
    if (typeof body.message === 'string' && body.message) return body.message;
    // /_ping: {"Healthy": false, "Error": "database: ...; engine: ..."}
    if (typeof body.Error === 'string' && body.Error) return body.Error;
  } catch {
    // not JSON
  }
  return `${response.status} ${response.statusText || 'error'}`;
}

// Requests in flight: logging out cancels them, so an answer that arrives after the
// session ended (a 401) is never seen; and until the next login, a page's late request
// (one it had not sent yet) is cancelled before it leaves instead of earning a 401.
const inFlight = new Set();
let sessionEnded = false;

export function cancelAll() {
  sessionEnded = true;
  for (const controller of inFlight) controller.abort();
  inFlight.clear();
}

function cancelledError() {
  // callers ignore ended sessions: nothing to show
  const cancelled = new ApiError(0, 'CANCELLED', 'The session ended');
  cancelled.sessionExpired = true;
  return cancelled;
}

/**
 * request('GET', '/accounts/', {query: {start: 0}}) → parsed JSON (null for 204).
 * Options: body (JSON), query, token (use this one instead of the session's),
 * session: false (a 401 is an ordinary error, e.g. a wrong password),
 * raw: true (the fetch Response itself, e.g. for a download).
 */
export async function request(method, path, options = {}) {
  const headers = { Accept: 'application/json' };
  const token = options.token ?? getToken();
  const authenticated = options.session !== false;
  if (authenticated && sessionEnded) throw cancelledError();
  if (token && options.anonymous !== true) headers.Authorization = `Bearer ${token}`;
  let body;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let response;
  const controller = new AbortController();
  inFlight.add(controller);
  try {
    response = await fetch(withQuery(path, options.query), {
      method, headers, body, cache: 'no-store', signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) throw cancelledError();  // by a logout
    throw new ApiError(0, 'NETWORK', `Wharf is not reachable (${error.message})`);
  } finally {
    inFlight.delete(controller);
  }
  if (response.status === 401 && authenticated) {
    setToken(null);
    const error = new ApiError(401, 'UNAUTHORIZED', 'Your session expired, please log in again');
    error.sessionExpired = true;
    expiredHandler();
    throw error;
  }
  if (!response.ok) {
    throw new ApiError(response.status, 'ERROR', await errorMessage(response));
  }
  if (options.raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.text();
}

export const api = {
  get: (path, query, options = {}) => request('GET', path, { ...options, query }),
  post: (path, body, options = {}) => request('POST', path, { ...options, body }),
  put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
  patch: (path, body, options = {}) => request('PATCH', path, { ...options, body }),
  del: (path, options = {}) => request('DELETE', path, options),
};
