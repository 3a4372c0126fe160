// The rows of the feeds, built from contract events. Each type a feed shows (its `feed` in the list
// the page carries, eventtypes.js) has its row here: chat and emotes (stickers) in the chat; gifts (a
// streak is one row, updated in place: feeds.js keys it) and treasure chests in the gifts; in the
// activity feed, what a viewer did (the type's verb, with a detail for some: a subscription's months,
// how one is a super fan) and the stream's end. The questions panel's rows: TikTok's Q&A questions and
// the chat's questions. User text goes in with textContent only (dom.js). A viewer's name is a button
// and their picture clickable (`.user-link` with data-user-id): both open the viewer card; the row
// carries data-user-id too.

import { avatar, emoteImage, giftImage, h, linkUser, setText } from './dom.js';
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

const MAX_EMOTES = 8; // a row shows at most this many of one message's emotes

/** A sticker sent in chat: the emotes' pictures (http(s) only: dom.js), at most MAX_EMOTES of them. */
export function emoteRow(event) {
  const user = event.user || {};
  const emotes = (Array.isArray(event.emotes) ? event.emotes : []).filter((e) => e && typeof e === 'object');
  return h('li', { className: 'row chat-row emote-row', dataset: { seq: event.seq, type: 'emote', userId: userId(user) } },
    avatar(user, 'avatar', { link: true }),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        nickEl(user),
        timeEl(event.ts)),
      h('p', { className: 'emote-line', attrs: { 'aria-label': emotes.length === 1 ? 'an emote' : `${emotes.length} emotes` } },
        ...emotes.slice(0, MAX_EMOTES).map((emote) => emoteImage(emote.imageUrl)))));
}

/** A row of the questions panel: a question from TikTok's Q&A (marked Q&A), or one asked in the chat. */
export function questionRow(event) {
  const user = event.user || {};
  const qa = event.type === 'question';
  return h('li', { className: qa ? 'row question-row is-qa' : 'row question-row', dataset: { seq: event.seq, type: event.type, userId: userId(user) } },
    avatar(user, 'avatar', { link: true }),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        nickEl(user),
        h('span', { className: qa ? 'tag tag-qa' : 'tag', text: qa ? 'Q&A' : 'chat', attrs: { title: qa ? 'Asked in TikTok\'s Q&A' : 'Asked in the chat' } }),
        timeEl(event.ts)),
      h('p', { className: 'chat-text', text: (qa ? event.text : event.comment) ?? '' })));
}

// How the stream ended, by the end event's `reason`; any other reason reads as a plain end.
const ENDINGS = new Map([
  ['ended', 'The LIVE ended'],
  ['suspended', 'The LIVE was suspended'],
]);

// How one is a super fan, by the superfan event's `kind`; another kind adds nothing to the verb.
const SUPERFAN_KINDS = new Map([
  ['became', 'new'],
  ['joined', 'joined'],
  ['box', 'sent a super fan box'],
]);

// What follows the verb in an activity row, by type ('' for nothing).
const DETAILS = new Map([
  ['subscribe', (event) => {
    const months = toCount(event.months);
    return months ? `${formatExact(months)} ${months === 1 ? 'month' : 'months'}` : '';
  }],
  ['superfan', (event) => SUPERFAN_KINDS.get(event.kind) || ''],
]);

export function activityRow(event) {
  if (event.type === 'end') {
    return h('li', { className: 'row activity-row activity-end', dataset: { seq: event.seq, type: 'end', reason: event.reason } },
      h('span', { className: 'activity-icon icon-end', attrs: { 'aria-hidden': 'true' } }),
      h('p', { className: 'activity-text' }, h('strong', { text: ENDINGS.get(event.reason) || ENDINGS.get('ended') })),
      timeEl(event.ts));
  }
  const user = event.user || {};
  const detail = DETAILS.has(event.type) ? DETAILS.get(event.type)(event) : '';
  return h('li', { className: `row activity-row activity-${event.type}`, dataset: { seq: event.seq, type: event.type, userId: userId(user) } },
    h('span', { className: `activity-icon icon-${event.type}`, attrs: { 'aria-hidden': 'true' } }),
    avatar(user, 'avatar avatar-small', { link: true }),
    h('p', { className: 'activity-text' },
      nickEl(user),
      h('span', { className: 'verb', text: ` ${verbOf(event.type)}` }),
      detail ? h('span', { className: 'activity-detail', text: ` · ${detail}` }) : null),
    timeEl(event.ts));
}

/** A treasure chest: its diamonds, how many viewers may open it and when it opens (local time). */
export function envelopeRow(event) {
  const user = event.user || {};
  const diamonds = toCount(event.diamonds);
  const people = toCount(event.people);
  const opens = formatTime(event.opensAt);
  const note = [people ? `for ${formatExact(people)} ${people === 1 ? 'viewer' : 'viewers'}` : '', opens ? `opens ${opens}` : '']
    .filter(Boolean).join(' · ');
  const { text, title } = formatCount(diamonds);
  return h('li', { className: 'row gift-row envelope-row', dataset: { seq: event.seq, type: 'envelope', userId: userId(user), diamonds } },
    avatar(user, 'avatar', { link: true }),
    h('div', { className: 'row-body' },
      h('div', { className: 'row-line' },
        nickEl(user)),
      h('div', { className: 'gift-line' },
        h('span', { className: 'gift-what' },
          h('span', { className: 'chest-icon', attrs: { 'aria-hidden': 'true' } }),
          h('span', { className: 'gift-name', text: 'Treasure chest' })),
        note ? h('span', { className: 'envelope-note', text: note }) : null)),
    h('div', { className: 'gift-side' },
      h('div', { className: 'gift-diamonds' },
        h('span', { className: 'gift-diamond-value num', text, attrs: { title: title || `${formatExact(diamonds)} ${diamonds === 1 ? 'diamond' : 'diamonds'}` } }),
        h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } })),
      timeEl(event.ts)));
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

// The row of each type a feed shows, by type (a gift's row for its streak's first event: feeds.js updates
// it in place); an activity type with a viewer needs only its verb (activityRow).
const ROWS = new Map([
  ['chat', (event) => chatRow(event)],
  ['emote', emoteRow],
  ['gift', (event) => giftRow(event, giftKey(event))],
  ['envelope', envelopeRow],
  ['end', activityRow],
]);

/** Whether a row is drawn for events of `type` (every type the list puts in a feed must be). */
export function drawsType(type) {
  return ROWS.has(type) || verbOf(type) !== null;
}

/** The feed row of `event`, by its type; null for a type no feed shows. */
export function rowOf(event) {
  const build = ROWS.get(event.type);
  if (build) return build(event);
  return verbOf(event.type) ? activityRow(event) : null;
}
