// One deployment, live: the six stages with their times, the build and push log, blue vs
// green, the result, a cancel button, and a failure's errorCode, stage and message.
import { ApiError, call } from './api.js';
import { measureFromChecks, renderChart } from './chart.js';
import { DeploymentStream } from './stream.js';
import { el, formatDuration, formatLatency, formatRate, formatSeconds, parseUTC, stripAnsi } from './text.js';

const defaultStageNames = ['Dockerfile discovery and build', 'Push to ECR', 'ECS service',
  'Blue/green lifecycle', 'Health check and traffic switch', 'Completion'];

export class DeploymentView {
  /** @param {{onChange: Function}} hooks onChange() when the deployment's stage or status changed. */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    const find = (id) => root.querySelector(`#${id}`);
    this.dom = {
      title: find('detail-title'), status: find('detail-status'), app: find('detail-app'),
      streamState: find('stream-state'), cancel: find('cancel-button'),
      failure: find('failure'), failureCode: find('failure-code'), failureStage: find('failure-stage'),
      failureMessage: find('failure-message'), timeline: find('timeline'), chart: find('chart'),
      result: find('result'), log: find('log'), events: find('events'),
    };
    this.dom.cancel.addEventListener('click', () => this.cancel());
    setInterval(() => { if (this.id && !this.ended) this.renderTimeline(); }, 1000);
  }

  show(id) {
    if (this.id === id) return;
    this.stream?.close();
    Object.assign(this, {
      id, result: null, ended: null, stage: 0, checks: [], resultRequest: 0,
    });
    const { dom } = this;
    dom.title.textContent = `Deployment ${id}`;
    dom.status.textContent = '';
    dom.status.className = 'badge';
    dom.app.textContent = '';
    dom.failure.hidden = true;
    dom.cancel.hidden = true;
    dom.log.replaceChildren();
    dom.events.replaceChildren();
    dom.result.replaceChildren(el('dt', {}, 'Status'), el('dd', {}, 'loading…'));
    dom.chart.replaceChildren(el('p', { class: 'muted' }, 'Measured in stage 5.'));
    this.root.hidden = false;
    this.renderTimeline();
    this.refreshResult();
    this.stream = new DeploymentStream(id, {
      onEvent: (event) => this.receive(event),
      onState: (stream) => this.renderStreamState(stream),
      onGaveUp: () => this.streamGaveUp(),
    });
  }

  hide() {
    this.stream?.close();
    this.stream = null;
    this.id = null;
    this.root.hidden = true;
  }

  focus() { this.dom.title.focus(); }

  // MARK: Events

  receive({ id, type, data }) {
    const details = data.details ?? {};
    this.dom.events.append(eventItem(id, type, data));
    if (Array.isArray(details.lines)) this.appendLog(details);
    if (type === 'stage' && Number.isInteger(details.stage) && details.stage > this.stage) {
      this.stage = details.stage;
      this.refreshResult();  // for the finished stages' times
      this.hooks.onChange();
    }
    if ('statusCode' in details && 'blueStatusCode' in details) {
      this.checks.push(details);
      this.renderChart();
    }
    if (type !== 'stage') {
      this.ended = { type, data };
      this.renderFailure();
      this.refreshResult();
      this.hooks.onChange();
    }
    this.renderTimeline();
  }

  appendLog(details) {
    const log = this.dom.log;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
    const lines = details.lines.map((line) => stripAnsi(line));
    if (details.skippedLines > 0) lines.unshift(`… ${details.skippedLines} lines not shown`);
    log.append(`${lines.join('\n')}\n`);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  renderStreamState(stream) {
    const { streamState } = this.dom;
    streamState.textContent = `Event stream: ${stream.state}`;
    streamState.dataset.opens = stream.opens;
    streamState.dataset.duplicates = stream.duplicates;
  }

  /** The browser stopped reconnecting (an HTTP error): find out why before trying again. */
  async streamGaveUp() {
    const stream = this.stream;
    await this.refreshResult();
    if (stream === this.stream && this.result && !isTerminal(this.result.status)) {
      setTimeout(() => { if (stream === this.stream) stream.reopen(); }, 3000);
    }
  }

  // MARK: Result

  async refreshResult() {
    const id = this.id;
    const request = ++this.resultRequest;
    try {
      const envelope = await call('GET', `/api/v1/deploy/${encodeURIComponent(id)}/result`);
      if (id !== this.id || request !== this.resultRequest) return;  // a newer answer is coming
      const previous = this.result?.status;
      this.result = envelope.data;
      this.renderResult();
      if (previous && previous !== this.result.status) this.hooks.onChange();
    } catch (error) {
      if (id !== this.id) return;
      if (error instanceof ApiError && error.status === 400) {
        this.stream?.close();
        this.dom.streamState.textContent = '';
        this.dom.result.replaceChildren(el('dt', {}, 'Status'), el('dd', {}, error.message));
      } else if (!(error instanceof ApiError && error.status === 401)) {
        this.dom.streamState.textContent = `Could not read the result: ${error.message}`;
      }
    }
  }

  renderResult() {
    const r = this.result;
    const { dom } = this;
    dom.status.textContent = r.status;
    dom.status.className = `badge ${r.status.toLowerCase()}`;
    dom.app.textContent = `${r.owner}/${r.repo} · branch ${r.branch}`;
    dom.cancel.hidden = isTerminal(r.status) || Boolean(this.ended);
    const rows = [['Status', r.status]];
    if (!isTerminal(r.status)) {
      if (r.queuePosition) rows.push(['Queue position', r.queuePosition]);
      if (r.currentStage) rows.push(['Current stage', r.currentStage]);
    }
    rows.push(
      ['Started', r.startedAt ? `${r.startedAt} UTC` : 'not yet'],
      ['Duration', `${r.durationSeconds} s`],
      ['Final service', r.finalService],
      ['Blue latency', formatLatency(r.blueLatencyMs)],
      ['Green latency', formatLatency(r.greenLatencyMs)],
      ['Blue error rate', formatRate(r.blueErrorRate)],
      ['Green error rate', formatRate(r.greenErrorRate)],
      ['Blue URL', r.blueUrl],
      ['Green URL', r.greenUrl],
      ['Image', r.imageUri],
      ['Commit', r.commitSha],
      ['Events', r.eventCount],
    );
    dom.result.replaceChildren(...rows.flatMap(([name, value]) => [
      el('dt', {}, name),
      el('dd', { dataset: { field: name } }, value === null || value === undefined ? '—' : String(value)),
    ]));
    this.renderFailure();
    this.renderChart();
    this.renderTimeline();
  }

  renderFailure() {
    const data = this.ended?.type === 'error' ? this.ended.data : null;
    const r = this.result;
    const failed = data || r?.status === 'FAILED';
    this.dom.failure.hidden = !failed;
    if (!failed) return;
    const stage = data?.stage ?? r?.failedStage;
    this.dom.failureCode.textContent = data?.errorCode ?? r?.errorCode ?? 'FAILED';
    this.dom.failureStage.textContent = stage ? `Stage ${stage}: ${this.stageName(stage)}` : 'Before any stage started';
    this.dom.failureMessage.textContent = data?.message ?? r?.errorMessage ?? '';
  }

  renderChart() {
    const r = this.result;
    const measuredByResult = r && ['blueLatencyMs', 'greenLatencyMs', 'blueErrorRate', 'greenErrorRate']
      .some((field) => r[field] !== null && r[field] !== undefined);
    if (measuredByResult) {
      renderChart(this.dom.chart, {
        blue: { latencyMs: r.blueLatencyMs, errorRate: r.blueErrorRate },
        green: { latencyMs: r.greenLatencyMs, errorRate: r.greenErrorRate },
      }, 'Measured by stage 5 in the same window (median of the checks).');
    } else if (this.checks.length > 0) {
      renderChart(this.dom.chart, measureFromChecks(this.checks),
        `So far: ${this.checks.length} health check${this.checks.length === 1 ? '' : 's'}.`);
    }
  }

  // MARK: Timeline

  stageName(number) {
    const timing = this.result?.stageTimings?.find((t) => t.stage === number);
    return timing?.name ?? defaultStageNames[number - 1] ?? `Stage ${number}`;
  }

  renderTimeline() {
    const r = this.result;
    const timings = new Map((r?.stageTimings ?? []).map((t) => [t.stage, t]));
    const current = Math.max(this.stage, r?.currentStage ?? 0, ...timings.keys());
    const failedStage = this.ended?.type === 'error' ? this.ended.data.stage : r?.failedStage;
    const completed = this.ended?.type === 'done' || r?.status === 'COMPLETED';
    const failed = this.ended?.type === 'error' || r?.status === 'FAILED';
    const items = [];
    for (let number = 1; number <= 6; number += 1) {
      let state = 'pending';
      if (failed && number === failedStage) state = 'failed';
      else if (number < current || (completed && number <= current)) state = 'done';
      else if (number === current && !failed) state = 'running';
      let elapsed = '';
      const timing = timings.get(number);
      if ((state === 'done' || state === 'failed') && timing) elapsed = formatDuration(timing.wallMs);
      if (state === 'running') elapsed = formatSeconds(this.runningFor(number, timings) / 1000);
      const label = { pending: 'waiting', running: 'running', done: 'done', failed: 'failed' }[state];
      items.push(el('li', { class: `stage ${state}`, dataset: { stage: number, state } },
        el('span', { class: 'stage-number', 'aria-hidden': 'true' }, String(number)),
        el('span', { class: 'stage-name' }, this.stageName(number)),
        el('span', { class: 'stage-state' }, label),
        el('span', { class: 'stage-time' }, elapsed)));
    }
    this.dom.timeline.replaceChildren(...items);
  }

  /** Time in the running stage: since the deployment started plus the finished stages' times. */
  runningFor(number, timings) {
    const started = parseUTC(this.result?.startedAt);
    if (!Number.isFinite(started)) return NaN;
    let before = 0;
    for (const [stage, timing] of timings) if (stage < number) before += timing.wallMs;
    return Math.max(0, Date.now() - started - before);
  }

  // MARK: Cancel

  async cancel() {
    const button = this.dom.cancel;
    button.disabled = true;
    try {
      await call('POST', `/api/v1/deploy/${encodeURIComponent(this.id)}/cancel`);
      this.dom.streamState.textContent = 'Cancel requested; the deployment is stopping.';
    } catch (error) {
      this.dom.streamState.textContent = `Could not cancel: ${error.message}`;
    } finally {
      button.disabled = false;
      this.refreshResult();
    }
  }
}

function isTerminal(status) { return status === 'COMPLETED' || status === 'FAILED'; }

/** One event as a line: stage, message and its details (build output goes to the log). */
function eventItem(id, type, data) {
  const details = Object.entries(data.details ?? {})
    .filter(([key]) => key !== 'stage' && key !== 'lines')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('  ');
  const stage = data.details?.stage ?? data.stage;
  return el('li', { class: `event event-${type}`, dataset: { eventId: id || '' } },
    el('span', { class: 'event-kind' }, type === 'stage' ? `stage ${stage}` : type),
    el('span', { class: 'event-message' }, data.message ?? ''),
    details ? el('span', { class: 'event-details' }, details) : null,
    data.errorCode ? el('span', { class: 'event-details' }, `errorCode=${data.errorCode}`) : null);
}
