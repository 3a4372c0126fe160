// The metric cards: viewers (current and peak), likes, gifts, diamonds, comments, follows, shares, joins.

import { setText } from './dom.js';
import { formatCount, toCount } from './format.js';
import { requestFlush } from './frame.js';

// element id -> field of the contract's metrics object
const FIELDS = {
  'metric-viewers': 'currentViewerCount',
  'metric-peak-viewers': 'peakViewerCount',
  'metric-likes': 'totalLikes',
  'metric-gifts': 'totalGifts',
  'metric-diamonds': 'totalDiamonds',
  'metric-comments': 'totalComments',
  'metric-follows': 'totalFollows',
  'metric-shares': 'totalShares',
  'metric-joins': 'totalJoins',
};

export function createMetrics(root = document) {
  const els = Object.entries(FIELDS).map(([id, field]) => ({ el: root.getElementById(id), field }));
  let latest = {};

  function render() {
    for (const { el, field } of els) {
      const n = toCount(latest[field]);
      if (el.dataset.value === String(n)) continue;
      const { text, title } = formatCount(n);
      el.dataset.value = String(n);
      setText(el, text);
      if (title) el.title = title;
      else el.removeAttribute('title');
    }
  }

  return {
    update(metrics) {
      if (!metrics || typeof metrics !== 'object') return;
      latest = { ...latest, ...metrics };
      requestFlush(render);
    },
    reset() {
      latest = {};
      requestFlush(render);
    },
  };
}
