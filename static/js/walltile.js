// One creator's tile on the wall: its status (and place while queued), this live's numbers, a battle in
// progress, the sparkline, and the month's pace against its targets. Text goes in with textContent only.

import { h, setText } from './dom.js';
import { formatCount } from './format.js';
import { createSparkline, drawSparkline } from './wallsparkline.js';
import { formatFigure, paceFigures, paceScore } from './wallpace.js';

const STATUS_TEXT = {
  connected: 'Live',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  queued: 'Queued',
  offline: 'Offline',
  ended: 'Ended',
  error: 'Unavailable',
};
// Sorting by live status: live first, then on the way, then waiting, then not live.
export const STATUS_RANK = { connected: 0, reconnecting: 1, connecting: 2, queued: 3, offline: 4, ended: 5, error: 6, idle: 7 };

const STATS = [
  { key: 'viewers', label: 'Viewers', metric: 'currentViewerCount' },
  { key: 'diamonds', label: 'Diamonds', metric: 'totalDiamonds' },
  { key: 'likes', label: 'Likes', metric: 'totalLikes' },
  { key: 'follows', label: 'Follows', metric: 'totalFollows', title: 'New followers this live' },
];

function ordinal(n) {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th');
  return `${n}${suffix}`;
}

/** What the badge says of a status: "Queued · 2nd in line" for a creator waiting for TikTok. */
export function statusText(summary) {
  const status = summary ? summary.status : 'connecting';
  const text = STATUS_TEXT[status] || status;
  if (status === 'queued' && summary.queue) return `${text} · ${ordinal(Number(summary.queue.ahead) + 1)} in line`;
  return text;
}

function statEl(stat) {
  const value = h('dd', { className: `tile-stat-value num tile-${stat.key}`, text: '0', dataset: { value: 0 } });
  const label = h('dt', { className: 'tile-stat-label', text: stat.label, attrs: { title: stat.title || `${stat.label} this live` } });
  return [h('div', { className: 'tile-stat' }, label, value), value];
}

function paceRow(figure) {
  const bar = h('span', { className: 'pace-fill' });
  const projected = h('span', { className: 'pace-projected' });
  const value = h('span', { className: 'pace-value num' });
  const end = h('span', { className: 'pace-end num' });
  const row = h('li', { className: `pace-row pace-${figure.key}` },
    h('span', { className: 'pace-label', text: figure.label }), value, end,
    h('span', { className: 'pace-track', attrs: { 'aria-hidden': 'true' } }, projected, bar));
  return { row, bar, projected, value, end };
}

export class WallTile {
  constructor(entry) {
    this.username = entry.username;
    this.summary = null;
    this.month = null;
    this.points = new Map(); // t -> point: the series so far (merged by minute)
    this.element = this._build(entry);
    this.setEntry(entry);
  }

  _build(entry) {
    this.badge = h('span', { className: 'badge tile-status', dataset: { status: 'connecting' }, text: 'Connecting' });
    this.name = h('span', { className: 'tile-name' });
    this.handle = h('span', { className: 'tile-handle', text: `@${entry.username}` });
    this.link = h('a', { className: 'tile-link', attrs: { href: `/@${entry.username}` } }, this.name, this.handle);
    this.remove = h('button', { className: 'tile-remove button button-small', text: 'Remove',
      attrs: { type: 'button', 'aria-label': `Remove @${entry.username} from the roster` } });
    const stats = STATS.map((stat) => statEl(stat));
    this.stats = Object.fromEntries(STATS.map((stat, i) => [stat.key, stats[i][1]]));
    this.battle = h('p', { className: 'tile-battle', attrs: { hidden: '' } });
    this.message = h('p', { className: 'tile-message', attrs: { hidden: '' } });
    this.spark = createSparkline();
    this.paceRows = Object.fromEntries(paceFigures({}).map((figure) => [figure.key, paceRow(figure)]));
    this.paceNote = h('p', { className: 'pace-note' });
    return h('article', { className: 'wall-tile panel', dataset: { username: entry.username, status: 'connecting' } },
      h('header', { className: 'tile-head' }, this.link, this.badge),
      h('dl', { className: 'tile-stats' }, ...stats.map(([el]) => el)),
      this.battle,
      this.message,
      h('div', { className: 'tile-spark' }, this.spark),
      h('section', { className: 'tile-pace', attrs: { 'aria-label': 'This month' } },
        h('ol', { className: 'pace-rows' }, ...Object.values(this.paceRows).map(({ row }) => row)), this.paceNote),
      this.remove);
  }

  /** The roster's entry: its display name and targets. */
  setEntry(entry) {
    this.entry = entry;
    setText(this.name, entry.displayName || entry.username);
    this.handle.hidden = !entry.displayName;
    this._drawPace();
  }

  /** A `summary` event of this creator. */
  update(summary) {
    this.summary = summary;
    const status = summary.status || 'connecting';
    this.element.dataset.status = status;
    this.badge.dataset.status = status;
    setText(this.badge, statusText(summary));
    for (const stat of STATS) {
      const value = Number(summary.metrics && summary.metrics[stat.metric]) || 0;
      const { text, title } = formatCount(value);
      setText(this.stats[stat.key], text);
      this.stats[stat.key].dataset.value = String(value);
      this.stats[stat.key].title = title;
    }
    this._drawBattle(summary.battle);
    const queue = status === 'queued' && summary.queue;
    const note = queue ? `Waiting for TikTok's connection budget: about ${summary.queue.retryAfter} s`
      : (summary.error && summary.error.message) || '';
    this.message.hidden = !note;
    setText(this.message, note);
    for (const point of summary.series || []) this.points.set(point.t, point);
    const oldest = Date.now() - 31 * 60_000;
    for (const t of this.points.keys()) if (t < oldest) this.points.delete(t);
    drawSparkline(this.spark, [...this.points.values()]);
  }

  _drawBattle(battle) {
    this.battle.hidden = !battle;
    this.element.dataset.battle = battle ? 'true' : 'false';
    if (!battle) return;
    const score = (value) => (value === null || value === undefined ? '?' : formatCount(value).text);
    const opponent = battle.opponent && (battle.opponent.nickname || battle.opponent.uniqueId);
    setText(this.battle, `PK ${score(battle.score)} – ${score(battle.opponentScore)}${opponent ? ` vs ${opponent}` : ''}`);
    const ahead = (battle.score ?? 0) - (battle.opponentScore ?? 0);
    this.battle.dataset.lead = ahead > 0 ? 'ahead' : ahead < 0 ? 'behind' : 'level';
  }

  /** A creator past the wall's WALL_MAX_CREATORS: no live numbers, its month only. */
  notFollowed(max) {
    this.summary = null;
    this.element.dataset.status = 'idle';
    this.badge.dataset.status = 'idle';
    setText(this.badge, 'Not followed');
    this.message.hidden = false;
    setText(this.message, `A wall follows ${max} creators live: this one shows its month only`);
  }

  /** The month's figures (GET /api/creators/<username>/month), or an error `{message}`. */
  setMonth(month) {
    this.month = month;
    this._drawPace();
  }

  _drawPace() {
    const month = this.month && !this.month.error ? this.month : null;
    const figures = paceFigures(month || {}, this.entry.targets || null);
    for (const figure of figures) {
      const { row, bar, projected, value, end } = this.paceRows[figure.key];
      const target = figure.target === null ? '' : ` / ${formatFigure(figure.key, figure.target)}`;
      setText(value, month ? `${formatFigure(figure.key, figure.value)}${target}` : '–');
      setText(end, month ? `→ ${formatFigure(figure.key, figure.projected)}` : '');
      row.dataset.value = String(figure.value);
      row.dataset.target = figure.target === null ? '' : String(figure.target);
      row.dataset.projected = String(figure.projected);
      row.dataset.pace = figure.onPace === null ? 'none' : figure.onPace ? 'on' : 'behind';
      bar.style.width = `${Math.round((figure.share ?? 0) * 100)}%`;
      projected.style.width = `${Math.round(Math.min(1, figure.projectedShare ?? 0) * 100)}%`;
      row.title = figure.target === null ? 'No target'
        : `Projected month end: ${formatFigure(figure.key, figure.projected)} of ${formatFigure(figure.key, figure.target)}`;
    }
    this.pace = month ? paceScore(figures) : null;
    if (this.month && this.month.error) setText(this.paceNote, this.month.error);
    else if (!month) setText(this.paceNote, 'This month: loading…');
    else if (this.pace === null) setText(this.paceNote, 'No targets set');
    else setText(this.paceNote, `Projected month end: ${Math.round(this.pace * 100)}% of the tier`);
    this.paceNote.dataset.pace = this.pace === null ? '' : String(this.pace);
  }

  /** The rank of its status, for sorting (live first). */
  get statusRank() {
    return STATUS_RANK[this.summary ? this.summary.status : this.element.dataset.status] ?? 9;
  }
}
