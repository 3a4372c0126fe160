// Gift alerts: a banner for each gift worth at least the threshold (diamonds x count), at most a
// few on screen, each leaving by itself after a while. A streak (the same viewer and gift, arriving
// again and again with `streaking: true`) is one alert: it appears once the streak's value reaches
// the threshold (at the latest when the streak ends) and then counts up in place; it never queues a
// new alert per message. The rule (which event alerts) is pure and apart from the banner.

import { avatar, giftImage, h, setText } from './dom.js';
import { formatCount, formatExact, toCount } from './format.js';
import { requestFlush } from './frame.js';
import { giftKey } from './rows.js';

const SHOWN = 3; // alerts on screen at once; an older one makes room
const SHOW_MS = 9_000; // an alert leaves after this (counted again after each update, paused under the mouse)
const OPEN_STREAKS = 500; // streaks followed at once (their end sometimes never comes)

/** A gift event's whole value: diamonds per unit x count. */
export function giftValue(event) {
  return toCount(event && event.diamondCount) * Math.max(1, toCount(event && event.repeatCount));
}

/**
 * The alert rule. offer(event, threshold) -> null (no alert), {action: 'new', key} (show a new
 * alert) or {action: 'update', key} (the streak's alert, shown already: update it).
 */
export function createGiftAlertRule() {
  const streaks = new Map(); // key -> {alerted}, for streaks still running

  return {
    offer(event, threshold) {
      if (!event || event.type !== 'gift') return null;
      const key = giftKey(event);
      const reached = giftValue(event) >= threshold;
      const streak = streaks.get(key);
      if (event.streaking === true) {
        const entry = streak || { alerted: false };
        streaks.delete(key); // re-inserted last: the most recent streaks are kept
        streaks.set(key, entry);
        if (streaks.size > OPEN_STREAKS) streaks.delete(streaks.keys().next().value);
        if (entry.alerted) return { action: 'update', key };
        if (!reached) return null;
        entry.alerted = true;
        return { action: 'new', key };
      }
      streaks.delete(key); // the streak's end, or a gift that does not streak
      if (streak && streak.alerted) return { action: 'update', key };
      return reached ? { action: 'new', key } : null;
    },
    reset() {
      streaks.clear();
    },
  };
}

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

/**
 * Write a gift event's count, value and streak state into an alert card: its data-repeat,
 * data-diamonds and data-streaking, and the texts of its .gift-alert-repeat, .gift-alert-value and
 * .gift-alert-state. The dashboard's banners and the overlay's alerts (overlayalerts.js) share it.
 */
export function fillAlert(card, event) {
  const repeat = Math.max(1, toCount(event.repeatCount));
  const value = giftValue(event);
  const streaking = event.streaking === true;
  card.dataset.repeat = String(repeat);
  card.dataset.diamonds = String(value);
  card.dataset.streaking = String(streaking);
  setText(card.querySelector('.gift-alert-repeat'), `×${formatExact(repeat)}`);
  const { text, title } = formatCount(value);
  const amount = card.querySelector('.gift-alert-value');
  setText(amount, text);
  amount.title = title || `${formatExact(value)} diamonds`;
  setText(card.querySelector('.gift-alert-state'), streaking ? 'streak' : '');
}

/**
 * The banners, in `container` (newest first). show(event, decision) draws what the rule decided, in
 * the next animation frame (a streak's many updates are drawn once a frame). clear() removes them all.
 */
export function createGiftAlerts(container) {
  const cards = new Map(); // key -> {card, timer, hovered}
  let pending = []; // [event, decision] not drawn yet

  function remove(key) {
    const entry = cards.get(key);
    if (!entry) return;
    window.clearTimeout(entry.timer);
    cards.delete(key);
    entry.card.remove();
  }

  function schedule(key) {
    const entry = cards.get(key);
    if (!entry) return;
    window.clearTimeout(entry.timer);
    if (!entry.hovered) entry.timer = window.setTimeout(() => remove(key), SHOW_MS);
  }

  function build(event, key) {
    const user = event.user || {};
    const close = h('button', { className: 'gift-alert-close', text: '×', attrs: { type: 'button', 'aria-label': 'Dismiss this alert', title: 'Dismiss' } });
    const card = h('div', { className: 'gift-alert', dataset: { key } },
      avatar(user, 'avatar gift-alert-avatar'),
      h('div', { className: 'gift-alert-body' },
        h('p', { className: 'gift-alert-title' },
          h('span', { className: 'gift-alert-nick', text: nameOf(user), attrs: { title: user.uniqueId ? `@${user.uniqueId}` : '' } }),
          h('span', { className: 'gift-alert-verb', text: ' sent' })),
        h('p', { className: 'gift-alert-gift' },
          giftImage(event.imageUrl, event.giftName),
          h('span', { className: 'gift-alert-name', text: event.giftName || 'a gift' }),
          h('span', { className: 'gift-alert-repeat num' }),
          h('span', { className: 'gift-alert-state' }))),
      h('div', { className: 'gift-alert-side' },
        h('span', { className: 'gift-alert-value num' }),
        h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } })),
      close);
    close.addEventListener('click', () => remove(key));
    card.addEventListener('pointerenter', () => {
      const entry = cards.get(key);
      if (!entry) return;
      entry.hovered = true;
      window.clearTimeout(entry.timer);
    });
    card.addEventListener('pointerleave', () => {
      const entry = cards.get(key);
      if (!entry) return;
      entry.hovered = false;
      schedule(key);
    });
    return card;
  }

  function draw(event, { key, action }) {
    if (action === 'update') {
      const entry = cards.get(key);
      if (!entry) return; // dismissed already: not brought back
      fillAlert(entry.card, event);
      schedule(key);
      return;
    }
    remove(key); // a new gift of the same kind replaces the old alert
    const card = build(event, key);
    fillAlert(card, event);
    cards.set(key, { card, timer: null, hovered: false });
    container.prepend(card);
    schedule(key);
    while (cards.size > SHOWN) remove(cards.keys().next().value);
  }

  function flush() {
    const work = pending;
    pending = [];
    // Only the last update of each alert matters (a streak sends one per gift).
    const last = new Map();
    work.forEach(([, decision], i) => {
      if (decision.action === 'update') last.set(decision.key, i);
    });
    work.forEach(([event, decision], i) => {
      if (decision.action === 'new' || last.get(decision.key) === i) draw(event, decision);
    });
  }

  return {
    show(event, decision) {
      if (!decision) return;
      pending.push([event, decision]);
      if (pending.length > 1000) pending.splice(0, pending.length - 1000);
      requestFlush(flush);
    },
    clear() {
      pending = [];
      for (const key of Array.from(cards.keys())) remove(key);
    },
  };
}
