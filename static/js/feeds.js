// The feeds as lists: chat, gifts (one row per streak, updated in place) and activity, each showing the
// types the page's list gives it (eventtypes.js); and the questions panel, when the page has one: TikTok's
// Q&A questions and the chat's questions (chatfilter.js). Incoming events are queued and drawn once per
// animation frame; every list keeps at most `cap` rows (oldest removed). A paused feed (pause.js: the
// mouse on it, or scrolled away from the top) holds its new rows instead, at most `cap` of them, and
// draws them when it is released. A `chatDeleted` event takes the chat lines it names out of the chat
// and the questions, drawn, queued or held. The rows themselves are built in rows.js.

import { isQuestion } from './chatfilter.js';
import { feedOf } from './eventtypes.js';
import { frameTime, requestFlush } from './frame.js';
import { deletionOf } from './livestate.js';
import { createPause } from './pause.js';
import { giftKey, giftRow, questionRow, rowOf, updateGiftRow } from './rows.js';

export const DEFAULT_CAP = 200;
// New rows drawn per feed and redraw: at least this many, or a quarter of the backlog, so a burst is
// spread over a few frames and a steady flood is drained without ever emptying the list.
const ROWS_PER_FRAME = 24;
const CALM_ROWS = 3; // rows fade in only when this few arrive at once
// While events keep streaming, a feed is redrawn at most this often (ms): enough to read, and it
// leaves most frames free of layout and paint work.
const MIN_REDRAW_MS = 100;
// Gift events kept per row cap while queued or held: a streak sends many events for one row.
const GIFT_EVENTS_PER_ROW = 5;

let drawFrame = -1; // the frame in which the feeds were last redrawn (all feeds redraw together)

/** True when the feeds were redrawn less than MIN_REDRAW_MS ago; then `feed` asks again next frame. */
function tooSoon(feed) {
  if (feed.bulk) return false;
  const now = frameTime();
  if (now === drawFrame) return false;
  if (now - drawFrame < MIN_REDRAW_MS) {
    requestFlush(feed.flush);
    return true;
  }
  drawFrame = now;
  return false;
}

function rowsThisFrame(backlog) {
  return Math.max(ROWS_PER_FRAME, Math.ceil(backlog / 4));
}

/** Keep the last `max` items of `items` (in place); returns how many were dropped. */
function keepLast(items, max) {
  const extra = items.length - max;
  if (extra > 0) items.splice(0, extra);
  return Math.max(0, extra);
}

// A feed that nothing pauses (no button on the page).
const NEVER_PAUSED = { paused: false, add() {}, reset() {} };

/**
 * A capped list: rows queued, drawn newest first once per frame. A burst is drawn over a few frames
 * (at most ROWS_PER_FRAME new rows each), so one big `live` batch never blocks the page.
 */
class SimpleFeed {
  constructor(list, cap, build) {
    this.list = list;
    this.cap = cap;
    this.build = build;
    this.pending = [];
    this.held = []; // events kept while paused, oldest first
    this.dropped = 0; // pending events dropped unseen (no frames in a hidden tab), still new to count
    this.bulk = false; // draw everything pending at once (a snapshot, a release), not in small steps
    this.pause = NEVER_PAUSED;
    this.shownEvents = new WeakMap(); // row -> the event it shows
    this.flush = this.flush.bind(this);
  }

  /** Let `button` (the feed's "N new") and the mouse and scrolling pause this feed. */
  pausable(section, button) {
    this.pause = createPause(section, this.list, button, () => this.release());
  }

  enqueue(event) {
    this.pending.push(event);
    // A hidden tab gets no animation frames: keep only what could still be shown.
    if (this.pending.length > this.cap * 2) this.dropped += keepLast(this.pending, this.cap);
    requestFlush(this.flush);
  }

  clear() {
    this.pending = [];
    this.held = [];
    this.dropped = 0;
    this.list.replaceChildren();
    this.pause.reset();
  }

  /** Replace the rows with these events, drawn together in the next frame, paused or not. */
  replace(events) {
    this.clear();
    for (const event of events) this.enqueue(event);
    this.bulk = events.length > 0;
  }

  /** Paused: keep the pending events (each one a new row) for later. */
  hold() {
    this.pause.add(this.pending.length + this.dropped);
    this.dropped = 0;
    this.held.push(...this.pending);
    this.pending = [];
    keepLast(this.held, this.cap); // more would push every row out anyway
  }

  /** Draw what was held, at once, and what came since. */
  release() {
    if (this.held.length === 0) return;
    this.pending = this.held.concat(this.pending);
    this.held = [];
    this.bulk = true;
    requestFlush(this.flush);
  }

  flush() {
    if (this.pending.length === 0) return;
    if (this.pause.paused && !this.bulk) {
      this.hold();
      return;
    }
    if (tooSoon(this)) return;
    this.dropped = 0;
    if (this.pending.length >= this.cap) {
      keepLast(this.pending, this.cap);
      this.list.replaceChildren(); // every current row would be pushed out anyway
    }
    const items = this.pending.splice(0, this.bulk ? this.cap : rowsThisFrame(this.pending.length));
    const calm = !this.bulk && items.length <= CALM_ROWS && this.pending.length === 0;
    this.bulk = false;
    const fragment = document.createDocumentFragment();
    for (let i = items.length - 1; i >= 0; i -= 1) {
      const row = this.build(items[i]);
      if (!row) continue;
      this.shownEvents.set(row, items[i]);
      if (calm) row.classList.add('row-enter'); // a gentle fade-in, only when traffic is light
      fragment.append(row);
    }
    this.list.prepend(fragment);
    this.trim();
    if (this.pending.length) requestFlush(this.flush);
  }

  trim() {
    let extra = this.list.childElementCount - this.cap;
    while (extra > 0) {
      const row = this.list.lastElementChild;
      this.removed(row);
      row.remove();
      extra -= 1;
    }
  }

  removed() {}

  /** Take out every event `gone(event)` names: its row, or the event while it is queued or held. */
  drop(gone) {
    this.pending = this.pending.filter((event) => !gone(event));
    const held = this.held.length;
    this.held = this.held.filter((event) => !gone(event));
    this.pause.add(this.held.length - held);
    for (const row of Array.from(this.list.children)) {
      const event = this.shownEvents.get(row);
      if (event && gone(event)) {
        this.removed(row);
        row.remove();
      }
    }
  }
}

/**
 * Gifts: a streak (same user and gift while `streaking`) is one row, updated in place. While the
 * feed is paused, streak rows already on screen still count up in place (a row does not move, so
 * reading is not disturbed); only new rows are held.
 */
class GiftFeed extends SimpleFeed {
  constructor(list, cap) {
    super(list, cap, null);
    this.active = new Map(); // key -> row of a running streak
    this.heldStreaks = new Set(); // keys of running streaks whose row is held, not drawn yet
  }

  enqueue(event) {
    this.pending.push(event);
    if (this.pending.length > this.cap * GIFT_EVENTS_PER_ROW) keepLast(this.pending, this.cap * GIFT_EVENTS_PER_ROW);
    requestFlush(this.flush);
  }

  clear() {
    super.clear();
    this.active.clear();
    this.heldStreaks.clear();
  }

  /** Update the row of a running streak, if it is on screen; false when the event is not for one. */
  updateActive(event, key) {
    const running = this.active.get(key);
    if (!running) return false;
    updateGiftRow(running, event);
    if (event.streaking !== true) this.active.delete(key);
    return true;
  }

  hold() {
    let rows = 0;
    for (const event of this.pending) {
      if (event.type !== 'gift') { // a row of its own (a treasure chest)
        rows += 1;
        this.held.push(event);
        continue;
      }
      const key = giftKey(event);
      if (this.updateActive(event, key)) continue;
      if (!this.heldStreaks.has(key)) rows += 1; // else: an update of a held streak's row
      if (event.streaking === true) this.heldStreaks.add(key);
      else this.heldStreaks.delete(key);
      this.held.push(event);
    }
    this.pending = [];
    keepLast(this.held, this.cap * GIFT_EVENTS_PER_ROW);
    this.pause.add(rows);
  }

  release() {
    this.heldStreaks.clear();
    super.release();
  }

  flush() {
    if (this.pending.length === 0) return;
    if (this.pause.paused && !this.bulk) {
      this.hold();
      return;
    }
    if (tooSoon(this)) return;
    const created = [];
    const limit = this.bulk ? Infinity : rowsThisFrame(this.pending.length);
    let used = 0;
    for (const event of this.pending) {
      used += 1;
      const key = event.type === 'gift' ? giftKey(event) : null;
      if (key !== null && this.updateActive(event, key)) continue;
      const row = key === null ? rowOf(event) : giftRow(event, key);
      if (!row) continue;
      if (key !== null && event.streaking === true) this.active.set(key, row);
      created.push(row);
      if (created.length >= limit) break;
    }
    this.pending.splice(0, used);
    const bulk = this.bulk;
    this.bulk = false;
    if (created.length) {
      const calm = !bulk && created.length <= CALM_ROWS && this.pending.length === 0;
      const fragment = document.createDocumentFragment();
      for (let i = created.length - 1; i >= Math.max(0, created.length - this.cap); i -= 1) {
        if (calm) created[i].classList.add('row-enter');
        fragment.append(created[i]);
      }
      for (const row of created.slice(0, Math.max(0, created.length - this.cap))) this.removed(row);
      this.list.prepend(fragment);
      this.trim();
    }
    if (this.pending.length) requestFlush(this.flush);
  }

  removed(row) {
    const key = row && row.dataset.key;
    if (key && this.active.get(key) === row) this.active.delete(key);
  }
}

/** Which feed shows an event (eventtypes.js): like and viewers are in the cards; unknown types are not shown. */
function feedFor(event) {
  if (!event || typeof event !== 'object') return null;
  return feedOf(event.type);
}

/** Whether the questions panel shows an event: TikTok's Q&A question, or a question asked in the chat. */
function isAsked(event) {
  return Boolean(event && (event.type === 'question' || (event.type === 'chat' && isQuestion(event.comment))));
}

/**
 * lists: {chat, gifts, activity, questions (optional)} <ol> elements; newButtons (optional): their "N new"
 * buttons, which make the feeds pausable (each feed's box is its list's `.feed` ancestor); rows (optional):
 * {chat(event)}, the chat feed's row builder in place of rows.js rowOf (the chat tools decorate rows).
 * Returns {push(events), replace(events), clear()}. Unknown event types are ignored.
 */
export function createFeeds(lists, { cap = DEFAULT_CAP, newButtons = {}, rows = {} } = {}) {
  const feeds = {
    chat: new SimpleFeed(lists.chat, cap, rows.chat || rowOf),
    gifts: new GiftFeed(lists.gifts, cap),
    activity: new SimpleFeed(lists.activity, cap, rowOf),
  };
  if (lists.questions) feeds.questions = new SimpleFeed(lists.questions, cap, questionRow);
  for (const [name, feed] of Object.entries(feeds)) {
    const button = newButtons[name];
    if (button) feed.pausable(lists[name].closest('.feed') || lists[name].parentElement, button);
  }

  /** The feeds' names that show `event`. */
  function feedsOf(event) {
    const names = [];
    const feed = feedFor(event);
    if (feed) names.push(feed);
    if (feeds.questions && isAsked(event)) names.push('questions');
    return names;
  }

  return {
    push(events) {
      for (const event of events) {
        const gone = deletionOf(event);
        if (gone) {
          feeds.chat.drop(gone);
          feeds.questions?.drop(gone);
        }
        for (const name of feedsOf(event)) feeds[name].enqueue(event);
      }
    },
    replace(events) {
      const by = Object.fromEntries(Object.keys(feeds).map((name) => [name, []]));
      for (const event of events) {
        const gone = deletionOf(event);
        if (gone) for (const name of ['chat', 'questions']) if (by[name]) by[name] = by[name].filter((shown) => !gone(shown));
        for (const name of feedsOf(event)) by[name].push(event);
      }
      for (const [name, feed] of Object.entries(feeds)) feed.replace(by[name]);
    },
    clear() {
      for (const feed of Object.values(feeds)) feed.clear();
    },
  };
}
