// The live list of deployments (GET /api/v1/deployments), newest first, polled while the tab
// is visible. Rows are updated in place, so keyboard focus stays where it was.
import { ApiError, call } from './api.js';
import { el, formatSeconds, parseUTC } from './text.js';

const pageSize = 20;
const pollMilliseconds = 3000;

export class DeploymentList {
  /** @param {{onSelect: Function}} hooks onSelect(id) when a row is chosen. */
  constructor(root, hooks) {
    this.hooks = hooks;
    const find = (id) => root.querySelector(`#${id}`);
    this.dom = {
      list: find('deployment-list'), empty: find('list-empty'), more: find('list-more'),
      error: find('list-error'), status: find('list-status'),
    };
    this.rows = new Map();
    this.items = [];
    this.nextCursor = null;
    this.selected = null;
    this.dom.more.addEventListener('click', () => this.loadMore());
    this.dom.status.addEventListener('change', () => { this.items = []; this.refresh(); });
  }

  start() {
    this.stop();
    this.refresh();
    this.timer = setInterval(() => {
      if (document.visibilityState === 'visible') this.refresh();
    }, pollMilliseconds);
  }

  stop() { clearInterval(this.timer); }

  query(limit, cursor) {
    const parameters = new URLSearchParams({ limit: String(limit) });
    if (this.dom.status.value) parameters.set('status', this.dom.status.value);
    if (cursor) parameters.set('cursor', cursor);
    return `/api/v1/deployments?${parameters}`;
  }

  /** Reloads as many rows as are shown (at least a page), so "Load more" is not undone. */
  async refresh() {
    const limit = Math.min(100, Math.max(pageSize, this.items.length));
    await this.load(this.query(limit), (data) => {
      this.items = data.deployments;
      this.nextCursor = data.nextCursor;
    });
  }

  async loadMore() {
    if (!this.nextCursor) return;
    await this.load(this.query(pageSize, this.nextCursor), (data) => {
      const known = new Set(this.items.map((item) => item.deploymentId));
      this.items.push(...data.deployments.filter((item) => !known.has(item.deploymentId)));
      this.nextCursor = data.nextCursor;
    });
  }

  async load(path, apply) {
    try {
      const envelope = await call('GET', path);
      apply(envelope.data);
      this.dom.error.textContent = '';
      this.render();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;  // the key form takes over
      this.dom.error.textContent = `Could not load deployments: ${error.message}`;
    }
  }

  select(id) {
    this.selected = id;
    for (const [rowId, row] of this.rows) {
      const link = row.querySelector('a');
      if (rowId === id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  render() {
    const { list } = this.dom;
    const wanted = new Set(this.items.map((item) => item.deploymentId));
    for (const [id, row] of this.rows) {
      if (!wanted.has(id)) { row.remove(); this.rows.delete(id); }
    }
    let position = list.firstElementChild;
    for (const item of this.items) {
      let row = this.rows.get(item.deploymentId);
      if (!row) {
        row = this.makeRow(item.deploymentId);
        this.rows.set(item.deploymentId, row);
      }
      fillRow(row, item);
      if (row === position) position = position.nextElementSibling;
      else list.insertBefore(row, position);
    }
    this.dom.empty.hidden = this.items.length > 0;
    this.dom.more.hidden = !this.nextCursor;
    this.select(this.selected);
  }

  makeRow(id) {
    const link = el('a', { href: `/?deployment=${encodeURIComponent(id)}`, dataset: { deploymentId: id } });
    link.addEventListener('click', (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      this.hooks.onSelect(id);
    });
    return el('li', {}, link);
  }
}

function fillRow(row, item) {
  const started = parseUTC(item.startedAt);
  const ended = item.completedAt ? parseUTC(item.completedAt) : Date.now();
  const duration = Number.isFinite(started) ? formatSeconds(Math.max(0, ended - started) / 1000) : '';
  const stage = item.currentStage ? `stage ${item.currentStage}/6` : 'queued';
  const kind = item.kind === 'DEPLOY' ? '' : ` ${item.kind.toLowerCase()}`;
  const meta = [`branch ${item.branch}`, stage, item.errorCode].filter(Boolean).join(' · ');
  row.firstElementChild.replaceChildren(
    el('span', { class: `badge ${item.status.toLowerCase()}` }, item.status),
    el('span', { class: 'row-app' }, `${item.owner}/${item.repo}${kind}`),
    el('span', { class: 'row-duration' }, duration),
    el('span', { class: 'row-meta' }, meta),
    el('span', { class: 'row-id' }, item.deploymentId));
}
