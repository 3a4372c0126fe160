// The overlay's chat and gift widgets: the last `max` rows, oldest at the top, the newest at the
// bottom, no controls (names are text, not buttons). A gift streak is one row (key: viewer and gift)
// that counts up in place. The snapshot fills them (chat TikTok replayed included), live events add
// to them; a `chatDeleted` event takes the chat lines it names away, shown or still queued. DOM work
// is done once per animation frame. User text goes in with textContent (dom.js).

import { avatar, giftImage, h, setText } from './dom.js';
import { formatExact, toCount } from './format.js';
import { requestFlush } from './frame.js';
import { deletionOf } from './livestate.js';
import { giftKey } from './rows.js';

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

function chatRow(event) {
  const user = event.user || {};
  return h('li', { className: 'ov-row ov-chat-row', dataset: { seq: event.seq } },
    avatar(user, 'avatar ov-avatar'),
    h('p', { className: 'ov-line' },
      h('span', { className: 'ov-nick', text: nameOf(user) }),
      h('span', { className: 'ov-text', text: event.comment ?? '' })));
}

function giftRow(event) {
  const user = event.user || {};
  return h('li', { className: 'ov-row ov-gift-row', dataset: { key: giftKey(event) } },
    avatar(user, 'avatar ov-avatar'),
    h('p', { className: 'ov-line' },
      h('span', { className: 'ov-nick', text: nameOf(user) }),
      h('span', { className: 'ov-gift' },
        giftImage(event.imageUrl, event.giftName),
        h('span', { className: 'ov-gift-name', text: event.giftName || 'a gift' }),
        h('span', { className: 'ov-repeat num' }))));
}

function fillGift(row, event) {
  const repeat = Math.max(1, toCount(event.repeatCount));
  row.dataset.repeat = String(repeat);
  row.dataset.streaking = String(event.streaking === true);
  setText(row.querySelector('.ov-repeat'), `×${formatExact(repeat)}`);
}

/**
 * A capped list in `list` (an <ol>) of the events `accepts` takes. `keyOf(event)`: events with the same
 * key update one row (gift streaks) until one `ends` it; null: every event is a row. `removes(event)`: a
 * test of the events this one takes away (null: none).
 * Returns {replace(events), push(events), clear()}.
 */
function createList(list, max, { accepts, build, fill = () => {}, keyOf = () => null, ends = () => true, removes = () => null }) {
  const rows = new Map(); // key -> row, for keyed lists
  const shown = new WeakMap(); // row -> its first event
  let pending = [];

  function add(event) {
    const key = keyOf(event);
    const existing = key === null ? null : rows.get(key);
    if (existing) {
      fill(existing, event);
      if (ends(event)) rows.delete(key);
      return;
    }
    const row = build(event);
    fill(row, event);
    shown.set(row, event);
    if (key !== null && !ends(event)) rows.set(key, row);
    list.append(row);
    while (list.childElementCount > max) {
      const gone = list.firstElementChild;
      if (gone.dataset.key !== undefined && rows.get(gone.dataset.key) === gone) rows.delete(gone.dataset.key);
      gone.remove();
    }
  }

  /** Take away what `gone(event)` names: queued events, and the rows on screen (the list is short). */
  function drop(gone) {
    pending = pending.filter((event) => !gone(event));
    for (const row of Array.from(list.children)) {
      const event = shown.get(row);
      if (event && gone(event)) row.remove();
    }
  }

  function flush() {
    const work = pending;
    pending = [];
    for (const event of work) add(event);
  }

  function push(events) {
    for (const event of events) {
      const gone = removes(event);
      if (gone) drop(gone);
      else if (accepts(event)) pending.push(event);
    }
    if (pending.length > max * 20) pending = pending.slice(-max * 20); // a burst keeps its end
    requestFlush(flush);
  }

  function clear() {
    pending = [];
    rows.clear();
    list.replaceChildren();
  }

  return {
    replace(events) {
      clear();
      push(events);
    },
    push,
    clear,
  };
}

export function createChatList(list, max) {
  return createList(list, max, { accepts: (event) => event.type === 'chat', build: chatRow, removes: deletionOf });
}

export function createGiftList(list, max) {
  return createList(list, max, {
    accepts: (event) => event.type === 'gift',
    build: giftRow,
    fill: fillGift,
    keyOf: giftKey,
    ends: (event) => event.streaking !== true,
  });
}
