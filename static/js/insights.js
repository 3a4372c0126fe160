// The Insights area (docs/dashboard.md, "Insights"): the leaderboards, the charts of the per-minute
// series and the viewer card, wired to the page's elements (ids listed in templates/index.html).
// main.js hands it the contract's data; requestViewer(userId) sends the `viewer` request; creator() is the
// creator shown (the boards' "last 30 days" and the viewer notes are theirs: boardrange.js, viewernote.js).

import { createBoardRange } from './boardrange.js';
import { createCharts } from './charts.js';
import { createLeaderboards } from './leaderboards.js';
import { saveNote } from './regulars.js';
import { createViewerCard } from './viewercard.js';

const NO_BOARDS = { gifters: [], chatters: [], likers: [], supporters: [] };

export function createInsights({ requestViewer, creator }, root = document) {
  const byId = (id) => root.getElementById(id);
  const boards = createLeaderboards({
    gifters: byId('board-gifters'),
    chatters: byId('board-chatters'),
    likers: byId('board-likers'),
    supporters: byId('board-supporters'),
  });
  const range = createBoardRange(byId('boards-range'), byId('boards-range-status'), boards, creator);
  const charts = createCharts({
    viewers: byId('chart-viewers'),
    activity: byId('chart-activity'),
    picker: byId('chart-metric'),
  });
  // Notes need the records: the note's form is in the page only with recording on.
  const card = createViewerCard(byId('viewer-card'), requestViewer, root, {
    saveNote: byId('viewer-note') ? (userId, text) => saveNote(creator(), userId, text) : null,
  });

  return {
    /** Another creator (or none): everything empty, the card closed. */
    reset() {
      range.reset();
      charts.clear();
      card.close();
    },
    /** A snapshot: its boards and its whole series. */
    snapshot(snapshot) {
      range.live(snapshot.leaderboards || NO_BOARDS);
      charts.replace(snapshot.series || { points: [] });
    },
    leaderboards(payload) {
      range.live(payload);
    },
    series(points) {
      charts.merge(points);
    },
  };
}
