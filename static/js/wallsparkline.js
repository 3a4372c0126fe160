// A sparkline of the viewers over the last 30 minutes: an inline SVG made with DOM calls (no markup from
// strings), one point a minute placed at its time, the line drawn straight across minutes without a point.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 120;
const HEIGHT = 32;
export const SPARK_MINUTES = 30;
const MINUTE_MS = 60_000;

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/** A new, empty sparkline. */
export function createSparkline() {
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'spark', preserveAspectRatio: 'none',
    role: 'img', 'aria-label': 'Viewers, last 30 minutes' });
  root.append(svg('path', { class: 'spark-area', d: '' }), svg('path', { class: 'spark-line', d: '' }),
    svg('line', { class: 'spark-now', x1: 0, y1: 0, x2: 0, y2: 0, visibility: 'hidden' }));
  return root;
}

/** Draw `points` ([{t, viewers}], any order) on the sparkline, the newest minute at its right edge. */
export function drawSparkline(root, points, nowMs = Date.now()) {
  const end = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const start = end - (SPARK_MINUTES - 1) * MINUTE_MS;
  const shown = points.filter((p) => p.t >= start && p.t <= end).sort((a, b) => a.t - b.t);
  const peak = Math.max(1, ...shown.map((p) => Number(p.viewers) || 0));
  const x = (t) => ((t - start) / ((SPARK_MINUTES - 1) * MINUTE_MS)) * WIDTH;
  const y = (v) => HEIGHT - 2 - ((Number(v) || 0) / peak) * (HEIGHT - 4);
  const line = shown.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.viewers).toFixed(1)}`).join('');
  const area = shown.length > 1
    ? `${line}L${x(shown.at(-1).t).toFixed(1)},${HEIGHT}L${x(shown[0].t).toFixed(1)},${HEIGHT}Z`
    : '';
  root.querySelector('.spark-line').setAttribute('d', line);
  root.querySelector('.spark-area').setAttribute('d', area);
  // The newest minute as a short tick: a line needs two minutes, and the first minute of a live has one.
  const now = root.querySelector('.spark-now');
  now.setAttribute('visibility', shown.length ? 'visible' : 'hidden');
  if (shown.length) {
    const last = shown.at(-1);
    for (const [name, value] of [['x1', x(last.t) - 2], ['x2', x(last.t)], ['y1', y(last.viewers)], ['y2', y(last.viewers)]]) {
      now.setAttribute(name, value.toFixed(1));
    }
  }
  root.dataset.points = String(shown.length);
  root.dataset.last = shown.length ? String(Number(shown.at(-1).viewers) || 0) : '';
}
