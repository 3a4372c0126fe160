// The rows of the three feeds, built from contract events: chat, gifts (a streak is one row,
// updated in place) and activity (joins, follows, shares: what the viewer did, the type's verb from
// eventtypes.js; the stream's end). User text goes in with textContent only (dom.js). A viewer's name
// is a button and their picture clickable (`.user-link` with data-user-id): both open the viewer
// card; the row carries data-user-id too.

import { avatar, giftImage, h, linkUser, setText } from './dom.js';
import { verbOf } from './eventtypes.js';
import { formatCount, formatExact, formatTime, toCount } from './format.js';

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

function userTitle(user) {
  return user && user.uniqueId ? `@${user.uniqueId}` : undefined; // none: no title attribute at all
}

/** The viewer's name: a button that opens their card, or plain text when they have no userId (or
 * `link` is false: a page without viewer cards). */
export function nickEl(user, link = true) {
  const title = userTitle(user);
  if (!link || !user || !user.userId) return h('span', { className: 'nick', text: nameOf(user), attrs: { title } });
  return linkUser(h('button', { className: 'nick', text: nameOf(user), attrs: { type: 'button', title } }), user);
}

function userId(user) {
  return (user && user.userId) || undefined;
}

function timeEl(ts) {
  const text = formatTime(ts);
  return text ? h('time', { className: 'row-time', text, attrs: { datetime: new Date(Number(ts)).toISOString() } }) : null;
}

/** A chat row; `links: false` for a page without viewer cards (a live's report). */
export function chatRow(event, { links = true } = {}) {
  const user = event.user || {};
  return h('li', { className: event.history ? 'row chat-row is-history' : 'row chat-row', dataset: { seq: event.seq, type: 'chat', userId: userId(user) } },
    avatar(user, 'avatar', { link: links }),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        nickEl(user, links),
        event.history ? h('span', { className: 'tag', text: 'earlier' }) : null,
        timeEl(event.ts)),
      h('p', { className: 'chat-text', text: event.comment ?? '' })));
}

// How the stream ended, by the end event's `reason`; any other reason reads as a plain end.
const ENDINGS = new Map([
  ['ended', 'The LIVE ended'],
  ['suspended', 'The LIVE was suspended'],
]);

export function activityRow(event) {
  if (event.type === 'end') {
    return h('li', { className: 'row activity-row activity-end', dataset: { seq: event.seq, type: 'end', reason: event.reason } },
      h('span', { className: 'activity-icon icon-end', attrs: { 'aria-hidden': 'true' } }),
      h('p', { className: 'activity-text' }, h('strong', { text: ENDINGS.get(event.reason) || ENDINGS.get('ended') })),
      timeEl(event.ts));
  }
  const user = event.user || {};
  return h('li', { className: `row activity-row activity-${event.type}`, dataset: { seq: event.seq, type: event.type, userId: userId(user) } },
    h('span', { className: `activity-icon icon-${event.type}`, attrs: { 'aria-hidden': 'true' } }),
    avatar(user, 'avatar avatar-small', { link: true }),
    h('p', { className: 'activity-text' },
      nickEl(user),
      h('span', { className: 'verb', text: ` ${verbOf(event.type)}` })),
    timeEl(event.ts));
}

export function giftKey(event) {
  const user = event.user || {};
  return `${user.userId || user.uniqueId || '?'}:${event.giftId ?? event.giftName ?? '?'}`;
}

/** A gift row; `links: false` for a page without viewer cards, `compact: false` for exact diamonds (a live's
 * report, as the server writes its rows). */
export function giftRow(event, key, { links = true, compact = true } = {}) {
  const user = event.user || {};
  const row = h('li', { className: 'row gift-row', dataset: { key, type: 'gift', userId: userId(user) } },
    avatar(user, 'avatar', { link: links }),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        nickEl(user, links)),
      // what was given, then its streak state, which wraps under it when the row is narrow (a phone)
      h('div', { className: 'gift-line' },
        h('span', { className: 'gift-what' },
          giftImage(event.imageUrl, event.giftName),
          h('span', { className: 'gift-name', text: event.giftName || 'Gift' }),
          h('span', { className: 'gift-repeat num' })),
        h('span', { className: 'gift-state' }))),
    h('div', { className: 'gift-side' },
      h('div', { className: 'gift-diamonds' },
        h('span', { className: 'gift-diamond-value num' }),
        h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } })),
      timeEl(event.ts)));
  updateGiftRow(row, event, { compact });
  return row;
}

export function updateGiftRow(row, event, { compact = true } = {}) {
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
  const { text, title } = formatCount(diamonds, { compact });
  setText(value, text);
  value.title = title || `${formatExact(diamonds)} ${diamonds === 1 ? 'diamond' : 'diamonds'}`;
}
