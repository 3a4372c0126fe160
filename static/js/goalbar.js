// The overlay's goal bar: how far this live's total (diamonds, likes or follows, from the `snapshot`
// and `metrics` events, so a reloaded overlay shows it at once) is toward the goal. The element
// carries data-value (the total), data-target and data-reached (true|false).

import { setText } from './dom.js';
import { formatExact, toCount } from './format.js';

const METRICS = {
  diamonds: { key: 'totalDiamonds', label: 'Diamond goal' },
  likes: { key: 'totalLikes', label: 'Like goal' },
  follows: { key: 'totalFollows', label: 'Follow goal' },
};

/** goal: {metric, target}. Returns {update(metrics), reset()}. */
export function createGoalBar(el, goal) {
  const { key, label } = METRICS[goal.metric];
  const target = toCount(goal.target);
  const fill = el.querySelector('.goal-fill');
  const track = el.querySelector('.goal-track');
  setText(el.querySelector('.goal-label'), label);
  el.dataset.target = String(target);

  function show(value) {
    const n = toCount(value);
    const share = target > 0 ? Math.min(1, n / target) : 0;
    el.dataset.value = String(n);
    el.dataset.reached = String(n >= target);
    fill.style.width = `${(share * 100).toFixed(2)}%`;
    track.setAttribute('aria-valuenow', String(Math.min(n, target)));
    setText(el.querySelector('.goal-count'), `${formatExact(n)} / ${formatExact(target)}`);
  }

  track.setAttribute('aria-valuemin', '0');
  track.setAttribute('aria-valuemax', String(target));
  show(0);

  return {
    update(metrics) {
      if (metrics && key in metrics) show(metrics[key]);
    },
    reset() {
      show(0);
    },
  };
}
