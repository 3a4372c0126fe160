// The three feeds: chat, gifts (one row per streak, updated in place) and activity (joins, follows,
// shares, stream end). Incoming events are queued and drawn once per animation frame; every list
// keeps at most `cap` rows (oldest removed). User text goes in with textContent only.

import { avatar, giftImage, h, setText } from './dom.js';
import { formatCount, formatExact, formatTime, toCount } from './format.js';
import { frameTime, requestFlush } from './frame.js';

export const DEFAULT_CAP = 200;
// New rows drawn per feed and redraw: at least this many, or a quarter of the backlog, so a burst is
// spread over a few frames and a steady flood is drained without ever emptying the list.
const ROWS_PER_FRAME = 24;
const CALM_ROWS = 3; // rows fade in only when this few arrive at once
// While events keep streaming, a feed is redrawn at most this often (ms): enough to read, and it
// leaves most frames free of layout and paint work.
const MIN_REDRAW_MS = 100;

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

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

function userTitle(user) {
  return user && user.uniqueId ? `@${user.uniqueId}` : '';
}

function timeEl(ts) {
  const text = formatTime(ts);
  return text ? h('time', { className: 'row-time', text, attrs: { datetime: new Date(Number(ts)).toISOString() } }) : null;
}

// ---- rows ---------------------------------------------------------------------------------------

function chatRow(event) {
  const user = event.user || {};
  return h('li', { className: event.history ? 'row chat-row is-history' : 'row chat-row', dataset: { seq: event.seq, type: 'chat' } },
    avatar(user),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        h('span', { className: 'nick', text: nameOf(user), attrs: { title: userTitle(user) } }),
        event.history ? h('span', { className: 'tag', text: 'earlier' }) : null,
        timeEl(event.ts)),
      h('p', { className: 'chat-text', text: event.comment ?? '' })));
}

const ACTIVITY = {
  join: { verb: 'joined', icon: 'join' },
  follow: { verb: 'followed', icon: 'follow' },
  share: { verb: 'shared the LIVE', icon: 'share' },
};

function activityRow(event) {
  if (event.type === 'end') {
    const reason = event.reason ? ` (${event.reason})` : '';
    return h('li', { className: 'row activity-row activity-end', dataset: { seq: event.seq, type: 'end' } },
      h('span', { className: 'activity-icon icon-end', attrs: { 'aria-hidden': 'true' } }),
      h('p', { className: 'activity-text' }, h('strong', { text: 'The LIVE ended' }), h('span', { className: 'muted', text: reason })),
      timeEl(event.ts));
  }
  const kind = ACTIVITY[event.type];
  const user = event.user || {};
  return h('li', { className: `row activity-row activity-${event.type}`, dataset: { seq: event.seq, type: event.type } },
    h('span', { className: `activity-icon icon-${kind.icon}`, attrs: { 'aria-hidden': 'true' } }),
    avatar(user, 'avatar avatar-small'),
    h('p', { className: 'activity-text' },
      h('span', { className: 'nick', text: nameOf(user), attrs: { title: userTitle(user) } }),
      h('span', { className: 'verb', text: ` ${kind.verb}` })),
    timeEl(event.ts));
}

function giftKey(event) {
  const user = event.user || {};
  return `${user.userId || user.uniqueId || '?'}:${event.giftId ?? event.giftName ?? '?'}`;
}

function giftRow(event, key) {
  const user = event.user || {};
  const row = h('li', { className: 'row gift-row', dataset: { key, type: 'gift' } },
    avatar(user),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        h('span', { className: 'nick', text: nameOf(user), attrs: { title: userTitle(user) } })),
      h('div', { className: 'gift-line' },
        giftImage(event.imageUrl, event.giftName),
        h('span', { className: 'gift-name', text: event.giftName || 'Gift' }),
        h('span', { className: 'gift-repeat num' }),
        h('span', { className: 'gift-state' }))),
    h('div', { className: 'gift-side' },
      h('div', { className: 'gift-diamonds' },
        h('span', { className: 'gift-diamond-value num' }),
        h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } })),
      timeEl(event.ts)));
  updateGiftRow(row, event);
  return row;
}

function updateGiftRow(row, event) {
  const repeat = Math.max(1, toCount(event.repeatCount));
  const diamonds = toCount(event.diamondCount) * repeat;
  const streaking = event.streaking === true;
  row.dataset.seq = String(event.seq ?? '');
  row.dataset.repeat = String(repeat);
  row.dataset.diamonds = String(diamonds);
  row.dataset.streaking = String(streaking);
  if (streaking) row.dataset.wasStreak = 'true';
  row.classList.toggle('is-streaking', streaking);
  row.classList.toggle('is-streak-ended', !streaking && row.dataset.wasStreak === 'true');
  setText(row.querySelector('.gift-repeat'), `×${formatExact(repeat)}`);
  setText(row.querySelector('.gift-state'), streaking ? 'streak' : row.dataset.wasStreak === 'true' ? 'streak ended' : '');
  const value = row.querySelector('.gift-diamond-value');
  const { text, title } = formatCount(diamonds);
  setText(value, text);
  value.title = title || `${formatExact(diamonds)} diamonds`;
}

// ---- lists --------------------------------------------------------------------------------------

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
    this.bulk = false; // draw everything pending at once (a snapshot), not in small steps
    this.flush = this.flush.bind(this);
  }

  enqueue(event) {
    this.pending.push(event);
    // A hidden tab gets no animation frames: keep only what could still be shown.
    if (this.pending.length > this.cap * 2) this.pending.splice(0, this.pending.length - this.cap);
    requestFlush(this.flush);
  }

  clear() {
    this.pending = [];
    this.list.replaceChildren();
  }

  /** Replace the rows with these events, drawn together in the next frame. */
  replace(events) {
    this.clear();
    for (const event of events) this.enqueue(event);
    this.bulk = events.length > 0;
  }

  flush() {
    if (this.pending.length === 0 || tooSoon(this)) return;
    if (this.pending.length >= this.cap) {
      this.pending.splice(0, this.pending.length - this.cap);
      this.list.replaceChildren(); // every current row would be pushed out anyway
    }
    const items = this.pending.splice(0, this.bulk ? this.cap : rowsThisFrame(this.pending.length));
    const calm = !this.bulk && items.length <= CALM_ROWS && this.pending.length === 0;
    this.bulk = false;
    const fragment = document.createDocumentFragment();
    for (let i = items.length - 1; i >= 0; i -= 1) {
      const row = this.build(items[i]);
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
}

/** Gifts: a streak (same user and gift while `streaking`) is one row, updated in place. */
class GiftFeed extends SimpleFeed {
  constructor(list, cap) {
    super(list, cap, null);
    this.active = new Map(); // key -> row of a running streak
  }

  enqueue(event) {
    this.pending.push(event);
    if (this.pending.length > this.cap * 5) this.pending.splice(0, this.pending.length - this.cap * 5);
    requestFlush(this.flush);
  }

  clear() {
    super.clear();
    this.active.clear();
  }

  flush() {
    if (this.pending.length === 0 || tooSoon(this)) return;
    const created = [];
    const limit = this.bulk ? Infinity : rowsThisFrame(this.pending.length);
    let used = 0;
    for (const event of this.pending) {
      used += 1;
      const key = giftKey(event);
      const running = this.active.get(key);
      if (running) {
        updateGiftRow(running, event);
        if (event.streaking !== true) this.active.delete(key);
        continue;
      }
      const row = giftRow(event, key);
      if (event.streaking === true) this.active.set(key, row);
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

/** Which feed shows an event: like and viewers are in the cards; unknown types are not shown. */
function feedFor(event) {
  if (!event || typeof event !== 'object') return null;
  switch (event.type) {
    case 'chat':
      return 'chat';
    case 'gift':
      return 'gifts';
    case 'join':
    case 'follow':
    case 'share':
    case 'end':
      return 'activity';
    default:
      return null;
  }
}

/**
 * lists: {chat, gifts, activity} <ol> elements. Returns {push(events), replace(events), clear()}.
 * Unknown event types are ignored.
 */
export function createFeeds(lists, { cap = DEFAULT_CAP } = {}) {
  const chat = new SimpleFeed(lists.chat, cap, chatRow);
  const gifts = new GiftFeed(lists.gifts, cap);
  const activity = new SimpleFeed(lists.activity, cap, activityRow);

  const feeds = { chat, gifts, activity };

  function route(event) {
    const feed = feedFor(event);
    if (feed) feeds[feed].enqueue(event);
  }

  function clear() {
    chat.clear();
    gifts.clear();
    activity.clear();
  }

  return {
    push(events) {
      for (const event of events) route(event);
    },
    replace(events) {
      const by = { chat: [], gifts: [], activity: [] };
      for (const event of events) {
        const feed = feedFor(event);
        if (feed) by[feed].push(event);
      }
      chat.replace(by.chat);
      gifts.replace(by.gifts);
      activity.replace(by.activity);
    },
    clear,
  };
}
