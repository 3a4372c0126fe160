// The metric cards: viewers (current and peak), likes, gifts, diamonds, comments, follows, shares, joins.
// The dashboard shows big numbers compact ("10.7K", the exact one in a title); a live's report shows
// them exact ("10,653"), as the server writes its page, refreshed or not.

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

/** compact: false for exact numbers (a live's report), in place of the dashboard's compact ones. */
export function createMetrics(root = document, { compact = true } = {}) {
  const els = Object.entries(FIELDS).map(([id, field]) => ({ el: root.getElementById(id), field }));
  let latest = {};

  function render() {
    for (const { el, field } of els) {
      const n = toCount(latest[field]);
      if (el.dataset.value === String(n)) continue;
      const { text, title } = formatCount(n, { compact });
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
