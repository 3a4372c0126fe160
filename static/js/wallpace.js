// The month's pace of a creator, from GET /api/creators/<username>/month (docs/http.md): hours live, valid
// days and diamonds against the roster's targets, with the projected month end. Pure functions, no DOM.

import { formatCount } from './format.js';

/** The three figures a tile shows, in order. */
export const PACE_FIGURES = [
  { key: 'hours', label: 'Hours', unit: 'h' },
  { key: 'validDays', label: 'Valid days', unit: 'd' },
  { key: 'diamonds', label: 'Diamonds', unit: '' },
];

function number(value) {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/** A figure as a tile writes it: hours with one decimal, the others whole (compact from 10,000). */
export function formatFigure(key, value) {
  const n = number(value);
  if (n === null) return '–';
  if (key === 'hours') return n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/u, '');
  return formatCount(n).text;
}

/**
 * Each figure of `month` (the API's answer; `targets` overrides the answer's own, e.g. the roster's):
 * {key, label, value, target, projected, share (0-1 of the target so far), projectedShare, onPace}.
 * `target`, `share`, `projectedShare` and `onPace` are null without a target.
 */
export function paceFigures(month, targets = null) {
  const goals = targets || (month && month.targets) || {};
  const projected = (month && month.projected) || {};
  return PACE_FIGURES.map(({ key, label, unit }) => {
    const value = number(month && month[key]) ?? 0;
    const target = number(goals[key]);
    const ahead = number(projected[key]) ?? value;
    const hasTarget = target !== null && target > 0;
    return {
      key,
      label,
      unit,
      value,
      target: hasTarget ? target : null,
      projected: ahead,
      share: hasTarget ? Math.min(1, value / target) : null,
      projectedShare: hasTarget ? ahead / target : null,
      onPace: hasTarget ? ahead >= target : null,
    };
  });
}

/** How the month goes against the targets: the lowest projected share of a target (a bonus tier needs all
 * three); null when the creator has no target. Sorting by pace puts the lowest first. */
export function paceScore(figures) {
  const shares = figures.map((figure) => figure.projectedShare).filter((share) => share !== null);
  return shares.length ? Math.min(...shares) : null;
}
