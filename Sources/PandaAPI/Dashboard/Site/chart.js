// Blue vs green, side by side: median latency and error rate as two small bar groups (SVG).
import { formatLatency, formatRate } from './text.js';

const svgNS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(svgNS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {{blue: {latencyMs, errorRate}, green: {latencyMs, errorRate}}} measured
 *   null values are shown as "n/a" (nothing measured, nothing drawn).
 */
export function renderChart(container, measured, caption) {
  const width = 320;
  const height = 150;
  const panels = [
    { title: 'Median latency', value: (m) => m.latencyMs, label: formatLatency, max: null },
    { title: 'Error rate', value: (m) => m.errorRate, label: formatRate, max: 1 },
  ];
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart-svg',
    'aria-label': `${caption}. Blue: ${formatLatency(measured.blue.latencyMs)}, ${formatRate(measured.blue.errorRate)} errors. `
      + `Green: ${formatLatency(measured.green.latencyMs)}, ${formatRate(measured.green.errorRate)} errors.`,
  });
  const panelWidth = width / panels.length;
  const top = 22;
  const barArea = height - top - 34;
  panels.forEach((panel, index) => {
    const x0 = index * panelWidth;
    root.append(svg('text', { x: x0 + panelWidth / 2, y: 14, 'text-anchor': 'middle', class: 'chart-title' }, panel.title));
    const values = ['blue', 'green'].map((colour) => panel.value(measured[colour]));
    const max = panel.max ?? Math.max(1, ...values.filter((v) => v !== null && v !== undefined));
    ['blue', 'green'].forEach((colour, slot) => {
      const value = values[slot];
      const barWidth = 44;
      const x = x0 + panelWidth / 2 + (slot === 0 ? -barWidth - 6 : 6);
      const barHeight = value === null || value === undefined ? 0 : Math.max(2, (value / max) * barArea);
      root.append(svg('rect', {
        x, y: top + barArea - barHeight, width: barWidth, height: barHeight, class: `bar ${colour}`,
      }));
      root.append(svg('text', { x: x + barWidth / 2, y: top + barArea + 14, 'text-anchor': 'middle', class: 'chart-value' },
        panel.label(value)));
      root.append(svg('text', { x: x + barWidth / 2, y: top + barArea + 28, 'text-anchor': 'middle', class: `chart-legend ${colour}` },
        colour));
    });
  });
  const figcaption = document.createElement('p');
  figcaption.className = 'muted';
  figcaption.textContent = caption;
  container.replaceChildren(root, figcaption);
}

/** Median latency and error rate from stage 5's check events so far (before the result has them). */
export function measureFromChecks(checks) {
  const summary = (pairs) => {
    const answered = pairs.filter((p) => p.statusCode !== null && p.statusCode !== undefined);
    if (answered.length === 0) return { latencyMs: null, errorRate: null };
    const healthy = answered.filter((p) => p.statusCode >= 200 && p.statusCode < 400 && p.latencyMs !== null);
    const latencies = healthy.map((p) => p.latencyMs).sort((a, b) => a - b);
    const median = latencies.length ? latencies[Math.floor((latencies.length - 1) / 2)] : null;
    return { latencyMs: median, errorRate: (answered.length - healthy.length) / answered.length };
  };
  return {
    green: summary(checks.map((c) => ({ statusCode: c.statusCode, latencyMs: c.latencyMs ?? null }))),
    blue: summary(checks.map((c) => ({ statusCode: c.blueStatusCode, latencyMs: c.blueLatencyMs ?? null }))),
  };
}
