// The rows of the three feeds, built from contract events: chat, gifts (a streak is one row,
// updated in place) and activity (joins, follows, shares, the stream's end). User text goes in with
// textContent only (dom.js).

import { avatar, giftImage, h, setText } from './dom.js';
import { formatCount, formatExact, formatTime, toCount } from './format.js';

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

export function chatRow(event) {
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

export function giftKey(event) {
  const user = event.user || {};
  return `${user.userId || user.uniqueId || '?'}:${event.giftId ?? event.giftName ?? '?'}`;
}

export function giftRow(event, key) {
  const user = event.user || {};
  const row = h('li', { className: 'row gift-row', dataset: { key, type: 'gift' } },
    avatar(user),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        h('span', { className: 'nick', text: nameOf(user), attrs: { title: userTitle(user) } })),
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
  updateGiftRow(row, event);
  return row;
}

export function updateGiftRow(row, event) {
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
