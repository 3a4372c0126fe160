// The charts of the live's per-minute series (docs/dashboard.md, "Insights"), drawn with uPlot
// (vendored): viewers over time (a line), and one activity metric per minute (bars: comments,
// likes, diamonds, joins, follows or shares, picked with the buttons above it). Time runs in the
// viewer's local time; hovering shows the values in the chart's legend (uPlot's cursor). The
// snapshot brings every point; `series` events bring the points that changed (the open minute
// included), merged by `t`. Charts are redrawn at most once per animation frame, and follow their
// box's size (ResizeObserver). Colours come from the page's CSS variables.
//
// Each chart's box (`.chart`) tells what it shows: data-points (minutes known), data-metric,
// data-last (the newest minute's value), data-total (the metric summed over the live; viewers: the
// peak, as data-peak).

import uPlot from './vendor/uPlot.esm.js';
import { formatCount, formatExact, toCount } from './format.js';
import { requestFlush } from './frame.js';

const BUCKET_MS = 60_000;
const MAX_POINTS = 24 * 60 + 5; // the whole live, up to 24 h (the server keeps as many)
const MAX_FILLED = 3 * MAX_POINTS; // minutes drawn between the first and the last point, gaps included

export const METRICS = [
  { key: 'comments', label: 'Comments', color: '--blue' },
  { key: 'likes', label: 'Likes', color: '--pink' },
  { key: 'diamonds', label: 'Diamonds', color: '--cyan' },
  { key: 'joins', label: 'Joins', color: '--slate' },
  { key: 'follows', label: 'Follows', color: '--green' },
  { key: 'shares', label: 'Shares', color: '--violet' },
];

const FALLBACK_COLORS = {
  '--accent': '#ff3d71', '--blue': '#60a5fa', '--pink': '#f472b6', '--cyan': '#2fe0d2', '--slate': '#94a3b8',
  '--green': '#34d399', '--violet': '#a78bfa', '--muted': '#8690a5', '--faint': '#5b6478', '--text-2': '#c2c9d6',
};

function cssColor(name) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || FALLBACK_COLORS[name] || '#8690a5';
}

/** `#rrggbb` (or `#rgb`) with an alpha, for canvas fills; other colours as they are. */
function withAlpha(color, alpha) {
  let hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/iu.exec(color);
  if (!hex) return color;
  hex = hex[1].length === 3 ? hex[1].replace(/./gu, '$&$&') : hex[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const minuteLabel = (seconds) => clock.format(new Date(seconds * 1000));

// Tick steps for time (seconds): whole minutes and hours only (labels read HH:MM)
const TIME_INCRS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400];

// Tick steps for counts: 1, 2, 5, 10, 20, 50, ... (never a fraction of a viewer or a comment)
const COUNT_INCRS = [];
for (let p = 1; p <= 1e12; p *= 10) COUNT_INCRS.push(p, 2 * p, 5 * p);

/** A number for an axis or the legend: compact from 10,000 up. */
function countLabel(v) {
  return v === null || v === undefined ? '—' : formatCount(v).text;
}

/** An axis's numbers: compact, unless that makes two ticks read the same (18,550 and 18,600). */
function countLabels(splits) {
  const labels = splits.map(countLabel);
  return new Set(labels).size === labels.length ? labels : splits.map((v) => formatExact(v));
}

/** Sorted points -> [xs (seconds), ys] with the missing minutes filled: 0 for a count, null for viewers. */
function columns(points, key) {
  const xs = [];
  const ys = [];
  if (points.length === 0) return [xs, ys];
  const first = points[0].t;
  const last = points[points.length - 1].t;
  const fill = (last - first) / BUCKET_MS <= MAX_FILLED;
  let t = first;
  for (const point of points) {
    if (fill) {
      for (; t < point.t; t += BUCKET_MS) {
        xs.push(t / 1000);
        ys.push(key === 'viewers' ? null : 0);
      }
    }
    xs.push(point.t / 1000);
    ys.push(valueOf(point, key));
    t = point.t + BUCKET_MS;
  }
  return [xs, ys];
}

function valueOf(point, key) {
  const n = Number(point[key]);
  if (key === 'viewers') return Number.isFinite(n) && n > 0 ? n : null; // 0: no count in that minute
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The legend's values: the minute under the cursor, else the newest minute. */
function showLatest(u) {
  if (u.cursor.idx !== null && u.cursor.idx !== undefined) return;
  const n = u.data[0].length;
  if (n > 0) u.setLegend({ idx: n - 1 }, false);
}

function axis(colors, values) {
  return {
    stroke: colors.muted,
    font: '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    grid: { stroke: colors.grid, width: 1 },
    ticks: { stroke: colors.grid, width: 1, size: 4 },
    values,
  };
}

/** One uPlot chart in `box` (its plot) with its legend mounted in `legendHost`. */
class Chart {
  constructor(box, legendHost, { label, color, bars }) {
    this.box = box;
    this.legendHost = legendHost;
    this.label = label;
    this.color = color;
    this.bars = bars;
    this.plot = null;
    this.data = [[], []];
  }

  options(width, height) {
    const colors = { muted: cssColor('--muted'), grid: 'rgba(148, 163, 184, 0.09)' };
    const stroke = cssColor(this.color);
    const series = {
      label: this.label,
      stroke,
      width: this.bars ? 0 : 2,
      value: (u, v) => countLabel(v),
      spanGaps: !this.bars,
      // the line's dots: shown while the minutes are few (uPlot's own rule); bars need none
      points: this.bars ? { show: false } : { size: 6, fill: stroke },
    };
    if (this.bars) {
      series.fill = withAlpha(stroke, 0.75);
      series.paths = uPlot.paths.bars({ size: [0.72, 28], align: 0 });
    } else {
      series.fill = (u) => {
        if (!Number.isFinite(u.bbox.top) || !Number.isFinite(u.bbox.height)) return withAlpha(stroke, 0.15); // not laid out yet
        const gradient = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
        gradient.addColorStop(0, withAlpha(stroke, 0.28));
        gradient.addColorStop(1, withAlpha(stroke, 0.02));
        return gradient;
      };
    }
    const half = BUCKET_MS / 2000;
    return {
      width,
      height,
      class: 'chart-plot',
      padding: [10, 20, 0, 2],
      legend: {
        show: true,
        live: true,
        mount: (u, table) => this.legendHost.replaceChildren(table),
        markers: { show: true, width: 0, stroke: () => stroke, fill: () => stroke, dash: 'solid' },
      },
      cursor: {
        drag: { x: false, y: false, setScale: false },
        points: { size: 7, fill: stroke, stroke },
      },
      scales: {
        x: {
          time: true,
          // A minute is drawn at its middle, so its bar covers it; both charts get the same range, from
          // the data itself (uPlot gives a lone point a whole day); a lone minute gets one either side.
          range: (u) => {
            const xs = u.data[0];
            if (!xs || xs.length === 0) { // nothing yet: the last few minutes of the clock
              const now = Math.floor(Date.now() / BUCKET_MS) * (BUCKET_MS / 1000);
              return [now - 4 * (BUCKET_MS / 1000), now + BUCKET_MS / 1000];
            }
            const [lo, hi] = [xs[0], xs[xs.length - 1]];
            const extra = lo === hi ? BUCKET_MS / 1000 : 0;
            return [lo - half - extra, hi + half + extra];
          },
        },
        y: {
          range: (u, min, max) => {
            if (max === null || max <= 0) return [0, 1];
            if (this.bars) return [0, Math.ceil(max * 1.12)];
            const pad = Math.max((max - min) * 0.15, max * 0.04, 3); // a flat line still gets some room
            return [Math.max(0, Math.floor(min - pad)), Math.ceil(max + pad)];
          },
        },
      },
      series: [{ label: 'Minute', value: (u, v) => (v === null || v === undefined ? '' : minuteLabel(v)) }, series],
      // Not hovering: the legend shows the newest minute.
      hooks: { ready: [showLatest], setData: [showLatest], setCursor: [showLatest] },
      axes: [
        { ...axis(colors, (u, splits) => splits.map(minuteLabel)), space: 64, incrs: TIME_INCRS, size: 30 },
        { ...axis(colors, (u, splits) => countLabels(splits)), size: 50, incrs: COUNT_INCRS, space: 28 },
      ],
    };
  }

  /** Build the plot (first draw, or again after a metric change), sized to its box. */
  build() {
    if (this.plot) this.plot.destroy();
    const { width, height } = this.size();
    this.plot = new uPlot(this.options(width, height), this.plotData(), this.box);
  }

  size() {
    return { width: Math.max(120, Math.floor(this.box.clientWidth)), height: Math.max(100, Math.floor(this.box.clientHeight)) };
  }

  resize() {
    if (!this.plot) return;
    const { width, height } = this.size();
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  // A minute is drawn at its middle: a bar covers the minute it counts, and the viewers' line lines
  // up with the bars.
  plotData() {
    return [this.data[0].map((x) => x + BUCKET_MS / 2000), this.data[1]];
  }

  setData(data) {
    this.data = data;
    if (!this.plot) this.build();
    else this.plot.setData(this.plotData());
  }
}

/**
 * els: {viewers, activity}: the charts' boxes (each with a `.chart-canvas` for the plot and a
 * `.chart-legend` for the values under the cursor), picker: the metric buttons' container (buttons
 * with data-metric). Returns {replace(series), merge(points), clear()}.
 */
export function createCharts({ viewers, activity, picker }) {
  const points = new Map(); // t -> point
  let metric = METRICS[0];
  const part = (box, selector) => box.querySelector(selector);
  const charts = {
    viewers: new Chart(part(viewers, '.chart-canvas'), part(viewers, '.chart-legend'), { label: 'Viewers', color: '--accent', bars: false }),
    activity: new Chart(part(activity, '.chart-canvas'), part(activity, '.chart-legend'), { label: metric.label, color: metric.color, bars: true }),
  };
  let rebuild = false; // the activity chart's metric changed: build it anew

  function sorted() {
    return Array.from(points.values()).sort((a, b) => a.t - b.t);
  }

  function render() {
    const list = sorted();
    const last = list[list.length - 1];
    if (rebuild) {
      rebuild = false;
      charts.activity.label = metric.label;
      charts.activity.color = metric.color;
      charts.activity.data = columns(list, metric.key);
      charts.activity.build();
    } else {
      charts.activity.setData(columns(list, metric.key));
    }
    charts.viewers.setData(columns(list, 'viewers'));

    const known = list.map((p) => valueOf(p, 'viewers')).filter((v) => v !== null);
    const lastViewers = known.length ? known[known.length - 1] : 0;
    const peak = known.length ? Math.max(...known) : 0;
    viewers.dataset.points = String(list.length);
    viewers.dataset.metric = 'viewers';
    viewers.dataset.last = String(lastViewers);
    viewers.dataset.peak = String(peak);
    viewers.setAttribute('aria-label', list.length
      ? `Viewers per minute: now ${formatExact(lastViewers)}, peak ${formatExact(peak)}`
      : 'Viewers per minute: no data yet');

    const total = list.reduce((sum, p) => sum + toCount(p[metric.key]), 0);
    activity.dataset.points = String(list.length);
    activity.dataset.metric = metric.key;
    activity.dataset.last = String(last ? toCount(last[metric.key]) : 0);
    activity.dataset.total = String(total);
    activity.setAttribute('aria-label', list.length
      ? `${metric.label} per minute: ${formatExact(total)} in ${list.length} minutes, ${formatExact(last ? last[metric.key] : 0)} in the last`
      : `${metric.label} per minute: no data yet`);
  }

  function add(list) {
    if (!Array.isArray(list)) return;
    for (const point of list) {
      const t = Number(point && point.t);
      if (!Number.isFinite(t)) continue;
      points.set(t, { ...point, t });
    }
    if (points.size > MAX_POINTS) {
      const drop = Array.from(points.keys()).sort((a, b) => a - b).slice(0, points.size - MAX_POINTS);
      for (const t of drop) points.delete(t);
    }
  }

  // The metric buttons: one pressed at a time.
  function pick(key) {
    const found = METRICS.find((m) => m.key === key);
    if (!found || found === metric) return;
    metric = found;
    for (const button of picker.querySelectorAll('button[data-metric]')) {
      button.setAttribute('aria-pressed', String(button.dataset.metric === key));
    }
    rebuild = true;
    requestFlush(render);
  }
  picker.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-metric]');
    if (button) pick(button.dataset.metric);
  });

  const observer = new ResizeObserver(() => {
    charts.viewers.resize();
    charts.activity.resize();
  });
  observer.observe(charts.viewers.box);
  observer.observe(charts.activity.box);
  requestFlush(render); // empty charts, with their axes, from the start

  return {
    /** A snapshot's `series` ({bucketSeconds, points}): every point of the live. */
    replace(series) {
      points.clear();
      add(series && series.points);
      requestFlush(render);
    },
    /** A `series` event's points: the ones that changed. */
    merge(list) {
      add(list);
      requestFlush(render);
    },
    clear() {
      points.clear();
      requestFlush(render);
    },
  };
}
