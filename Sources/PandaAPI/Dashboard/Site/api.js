// Panda's API on this origin (same-origin requests only), with the API key when one is set.
const keyName = 'panda.apiKey';

/** True when the server says API keys are configured (it fills in the page's meta tag). */
export const apiKeyRequired =
  document.querySelector('meta[name="panda-api-key"]')?.content === 'required';

export const apiKey = () => sessionStorage.getItem(keyName) || '';

export function setApiKey(key) {
  if (key) sessionStorage.setItem(keyName, key);
  else sessionStorage.removeItem(keyName);
}

/** An answer outside 2xx; `body` is the contract's error body when there was one. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

let unauthorized = () => {};
/** Called when Panda refuses the key (401). */
export function onUnauthorized(handler) { unauthorized = handler; }

/** Sends a request and returns the success envelope (`{code, message, data}`). */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (apiKey()) headers.Authorization = `Bearer ${apiKey()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json().catch(() => null);
  if (response.status === 401) unauthorized();
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** The SSE URL; `EventSource` cannot send headers, so the key goes in `access_token`. */
export function eventsURL(id) {
  const path = `/api/v1/deploy/${encodeURIComponent(id)}/events`;
  return apiKey() ? `${path}?access_token=${encodeURIComponent(apiKey())}` : path;
}
