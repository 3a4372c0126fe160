// The Insights area (docs/dashboard.md, "Insights"): the leaderboards, the charts of the per-minute
// series and the viewer card, wired to the page's elements (ids listed in templates/index.html).
// main.js hands it the contract's data; requestViewer(userId) sends the `viewer` request.

import { createCharts } from './charts.js';
import { createLeaderboards } from './leaderboards.js';
import { createViewerCard } from './viewercard.js';

const NO_BOARDS = { gifters: [], chatters: [], likers: [], supporters: [] };

export function createInsights({ requestViewer }, root = document) {
  const byId = (id) => root.getElementById(id);
  const boards = createLeaderboards({
    gifters: byId('board-gifters'),
    chatters: byId('board-chatters'),
    likers: byId('board-likers'),
    supporters: byId('board-supporters'),
  });
  const charts = createCharts({
    viewers: byId('chart-viewers'),
    activity: byId('chart-activity'),
    picker: byId('chart-metric'),
  });
  const card = createViewerCard(byId('viewer-card'), requestViewer, root);

  return {
    /** Another creator (or none): everything empty, the card closed. */
    reset() {
      boards.clear();
      charts.clear();
      card.close();
    },
    /** A snapshot: its boards and its whole series. */
    snapshot(snapshot) {
      boards.update(snapshot.leaderboards || NO_BOARDS);
      charts.replace(snapshot.series || { points: [] });
    },
    leaderboards(payload) {
      boards.update(payload);
    },
    series(points) {
      charts.merge(points);
    },
  };
}
