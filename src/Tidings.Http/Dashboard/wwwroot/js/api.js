// The management API client: Basic credentials kept in sessionStorage (gone when the tab closes),
// RabbitMQ's error shape {"error","reason"} turned into ApiError, and path building that
// percent-encodes every segment (the default virtual host "/" becomes %2F).

const CREDENTIALS_KEY = 'tidings.credentials';

/** An HTTP error from the API; status 0 means the broker could not be reached. */
export class ApiError extends Error {
  constructor(status, error, reason) {
    super(reason || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.reason = reason;
  }
}

// The API lives beside the page: "api/..." relative to the document, so the dashboard also works
// behind a reverse proxy that mounts the broker under a path prefix.
const apiBase = new URL('api/', document.baseURI);

let unauthorizedHandler = () => {};

/** Called with the ApiError whenever the API answers 401 (credentials wrong or gone). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** The stored credentials {username, password}, or null. */
export function credentials() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(CREDENTIALS_KEY) || 'null');
    return stored && typeof stored.username === 'string' && typeof stored.password === 'string' ? stored : null;
  } catch {
    return null;
  }
}

export function saveCredentials(username, password) {
  sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify({ username, password }));
}

export function clearCredentials() {
  sessionStorage.removeItem(CREDENTIALS_KEY);
}

function basicAuthorization({ username, password }) {
  // btoa only takes Latin-1: encode the UTF-8 bytes so any user name or password works.
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

/**
 * A path under /api/ from segments, each percent-encoded: apiPath('queues', '/', 'a b') →
 * "queues/%2F/a%20b". query: object of parameters (undefined/'' values left out).
 */
export function apiPath(segments, query) {
  let path = segments.map((segment) => encodeURIComponent(segment)).join('/');
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const text = params.toString();
    if (text) path += `?${text}`;
  }
  return path;
}

/**
 * Sends a request to the API and returns the parsed JSON body (null when empty).
 * path: relative to /api/ (from apiPath). options.credentials: try these instead of the stored
 * ones (the login form does, and handles its own 401).
 */
export async function request(method, path, body, options = {}) {
  const creds = options.credentials ?? credentials();
  const headers = { Accept: 'application/json' };
  // Always send credentials when we have them: a 401 answering a request *with* an
  // Authorization header carries no Basic challenge, so the browser never pops its own dialog.
  if (creds) headers.Authorization = basicAuthorization(creds);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(new URL(path, apiBase), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `Cannot reach the broker (${e.message})`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status,
      data && typeof data === 'object' ? data.error : undefined,
      data && typeof data === 'object' ? data.reason : (typeof data === 'string' && data.length < 200 ? data : response.statusText));
    if (response.status === 401 && !options.credentials) unauthorizedHandler(error);
    throw error;
  }
  return data;
}

export const get = (path) => request('GET', path);
export const put = (path, body) => request('PUT', path, body ?? {});
export const post = (path, body) => request('POST', path, body ?? {});
export const del = (path) => request('DELETE', path);
