// The leaderboards of the live (docs/dashboard.md, "Insights"): top gifters by diamonds, top chatters by
// comments, top likers by likes (a lower bound: TikTok stops sending each viewer's likes on big
// lives), top supporters by their points in the creator's PK battles. Each board arrives whole; a board is rebuilt (in the next animation frame) only when its
// entries changed. Names and pictures open the viewer card (`.user-link`, dom.js linkUser).

import { avatar, h, linkUser } from './dom.js';
import { formatCount, formatExact, toCount } from './format.js';
import { requestFlush } from './frame.js';

export const BOARD_SIZE = 10;

// board -> how its entries read: the number ranked on, and what it is
const BOARDS = {
  gifters: { field: 'diamonds', unit: (n) => (n === 1 ? 'diamond' : 'diamonds') },
  chatters: { field: 'comments', unit: (n) => (n === 1 ? 'comment' : 'comments') },
  likers: { field: 'likes', unit: (n) => (n === 1 ? 'like' : 'likes') },
  supporters: { field: 'points', unit: (n) => (n === 1 ? 'point' : 'points') },
};

// board -> the line under its number: how many gifts, in how many battles
const SUBS = {
  gifters: { field: 'gifts', unit: (n) => (n === 1 ? 'gift' : 'gifts') },
  supporters: { field: 'battles', unit: (n) => (n === 1 ? 'battle' : 'battles') },
};

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

/** One entry: rank, picture, nickname and @uniqueId, the number (gifters: and how many gifts; supporters: in
 * how many battles). `links`: the
 * name is a button that opens the viewer card; else plain text (a live's report has no viewer card).
 * `compact`: big numbers as "12.3K"; else exact. */
function entryRow(board, entry, rank, { links, compact }) {
  const { field, unit } = BOARDS[board];
  const user = (entry && entry.user) || {};
  const n = toCount(entry && entry[field]);
  const { text, title } = formatCount(n, { compact });
  const handle = user.uniqueId ? `@${user.uniqueId}` : null;
  const who = links
    ? linkUser(h('button', { className: 'board-who', attrs: { type: 'button', title: handle } }), user)
    : h('span', { className: 'board-who', attrs: { title: handle } });
  who.append(
    avatar(user, 'avatar avatar-board'),
    h('span', { className: 'board-names' },
      h('span', { className: 'board-nick', text: nameOf(user) }),
      user.uniqueId ? h('span', { className: 'board-handle', text: `@${user.uniqueId}` }) : null));
  const value = h('span', { className: 'board-value' },
    h('span', { className: 'board-number num', text, attrs: { title: `${formatExact(n)} ${unit(n)}` } }),
    board === 'gifters' ? h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } }) : null);
  const sub = SUBS[board];
  if (sub) {
    const count = toCount(entry[sub.field]);
    value.append(h('span', { className: 'board-sub num', text: `${formatExact(count)} ${sub.unit(count)}` }));
  }
  if (title) value.title = title;
  return h('li', { className: 'board-row', dataset: { rank, userId: user.userId, value: n } },
    h('span', { className: 'board-rank num', text: String(rank), attrs: { 'aria-label': `rank ${rank}` } }),
    who,
    value);
}

/**
 * lists: {gifters, chatters, likers, supporters}: the boards' <ol> elements; `links: false` for names that open nothing,
 * `compact: false` for exact numbers (a live's report, as the server writes its boards), `size`: the rows of each
 * board shown (the overlay's `rows`).
 * Returns {update(boards), clear()}:
 * `update` takes a `leaderboards` payload (or a snapshot's `leaderboards`); boards it lacks are
 * left as they are.
 */
export function createLeaderboards(lists, { links = true, compact = true, size = BOARD_SIZE } = {}) {
  const shown = Object.fromEntries(Object.keys(BOARDS).map((board) => [board, ''])); // each list's entries, as JSON
  const next = { ...shown };
  const data = Object.fromEntries(Object.keys(BOARDS).map((board) => [board, []]));

  function render() {
    for (const board of Object.keys(BOARDS)) {
      if (next[board] === shown[board]) continue;
      shown[board] = next[board];
      const list = lists[board];
      if (!list) continue;
      // A viewer's button that has the focus keeps it across the rebuild (keyboard users).
      const focused = list.contains(document.activeElement) ? document.activeElement.dataset.userId : null;
      list.replaceChildren(...data[board].map((entry, i) => entryRow(board, entry, i + 1, { links, compact })));
      list.dataset.count = String(data[board].length);
      if (focused) {
        const again = Array.from(list.querySelectorAll('.board-who')).find((el) => el.dataset.userId === focused);
        if (again) again.focus({ preventScroll: true });
      }
    }
  }

  function set(board, entries) {
    const list = Array.isArray(entries) ? entries.filter((e) => e && typeof e === 'object').slice(0, size) : [];
    const key = JSON.stringify(list);
    if (key === next[board]) return false;
    next[board] = key;
    data[board] = list;
    return true;
  }

  return {
    update(boards) {
      if (!boards || typeof boards !== 'object') return;
      let changed = false;
      for (const board of Object.keys(BOARDS)) {
        if (board in boards) changed = set(board, boards[board]) || changed;
      }
      if (changed) requestFlush(render);
    },
    clear() {
      let changed = false;
      for (const board of Object.keys(BOARDS)) changed = set(board, []) || changed;
      if (changed) requestFlush(render);
    },
  };
}
