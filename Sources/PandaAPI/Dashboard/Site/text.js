// Small helpers for turning API values into what the page shows.

/** Builds an element: `el('li', {class: 'x', dataset: {id}}, 'text', child)`. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links), and lone escapes.
const ansi = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]/g;

/** Tool output without terminal control codes. */
export function stripAnsi(text) {
  return String(text).replace(ansi, '').replace(/\r/g, '');
}

/** The contract's timestamps are UTC without a zone suffix. */
export function parseUTC(text) {
  return text ? Date.parse(`${text}Z`) : NaN;
}

/** `850 ms`, `12.4 s`, `3 min 05 s`. */
export function formatDuration(milliseconds) {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return '';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** Whole seconds, for times the API gives to the second: `0 s`, `45 s`, `2 min 04 s`. */
export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

export function formatRate(rate) {
  return rate === null || rate === undefined ? 'n/a' : `${(rate * 100).toFixed(1)} %`;
}

export function formatLatency(ms) {
  return ms === null || ms === undefined ? 'n/a' : `${ms} ms`;
}
