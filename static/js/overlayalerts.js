// The overlay's alert widget: the queue (alertqueue.js) drawn as one card at a time, with the gifter's
// name and picture, the gift's picture, name and count, and its value in diamonds; a tone (tone.js,
// made in the page, nothing fetched) and, when asked, the alert read aloud (speech.js). What alerts is the
// URL's alertOn: gifts, follows, shares, subscriptions (a card naming the viewer) and likes milestones (the
// milestone, from the metrics' like total); all wait in the one queue, under its cap.
//
// An OBS browser source may play sound without a click; a normal browser tab only after one, so the
// first click anywhere on the page unlocks it too. The container's data-queued (alerts waiting),
// data-shown (alerts shown so far) and data-dropped (dropped when the queue was full) say what
// happened; the card is .overlay-alert (data-key, data-repeat, data-diamonds, data-streaking).

import { fillAlert } from './alerts.js';
import { createAlertQueue, createLikeMilestones } from './alertqueue.js';
import { avatar, giftImage, h } from './dom.js';
import { formatExact } from './format.js';
import { giftKey } from './rows.js';
import { createSpeech, speakable } from './speech.js';
import { createTone } from './tone.js';

const SPOKEN_PER_MINUTE = 20;

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

/** What is said for a gift alert: "Maya sent Rose, times 5". */
export function alertSpeech(event) {
  const user = event.user || {};
  const name = speakable(user.nickname) || speakable(user.uniqueId) || 'Someone';
  const gift = speakable(event.giftName) || 'a gift';
  const count = Number(event.repeatCount) > 1 ? `, times ${Number(event.repeatCount)}` : '';
  return `${name} sent ${gift}${count}`;
}

// alert type -> what the card says after the viewer's name, and what is said aloud
const SOCIAL = {
  follow: { verb: 'followed', spoken: 'followed' },
  share: { verb: 'shared the LIVE', spoken: 'shared the live' },
  subscribe: { verb: 'subscribed', spoken: 'subscribed' },
};

/** What is said for an alert that is not a gift's: "Maya followed", "10,000 likes". */
export function otherSpeech(alert) {
  if (alert.type === 'likes') return `${formatExact(alert.milestone)} likes`;
  const user = alert.user || {};
  const name = speakable(user.nickname) || speakable(user.uniqueId) || 'Someone';
  return `${name} ${SOCIAL[alert.type].spoken}`;
}

/** A follow, share or subscription card: the viewer's picture and name, what they did. */
function socialCard(alert) {
  const user = alert.user || {};
  return h('div', { className: 'overlay-alert overlay-alert-social', dataset: { kind: alert.type } },
    avatar(user, 'avatar overlay-alert-avatar'),
    h('div', { className: 'overlay-alert-body' },
      h('p', { className: 'overlay-alert-gift' },
        h('span', { className: 'overlay-alert-nick', text: nameOf(user) }),
        h('span', { className: 'overlay-alert-verb', text: SOCIAL[alert.type].verb }))));
}

/** A likes milestone card: the number passed. */
function likesCard(alert) {
  return h('div', { className: 'overlay-alert overlay-alert-likes', dataset: { kind: 'likes', milestone: alert.milestone } },
    h('span', { className: 'overlay-alert-heart', attrs: { 'aria-hidden': 'true' } }),
    h('div', { className: 'overlay-alert-body' },
      h('p', { className: 'overlay-alert-title', text: 'The LIVE passed' }),
      h('p', { className: 'overlay-alert-gift' },
        h('span', { className: 'overlay-alert-milestone num', text: formatExact(alert.milestone) }),
        h('span', { className: 'overlay-alert-verb', text: 'likes' }))));
}

function giftCard(event) {
  const user = event.user || {};
  return h('div', { className: 'overlay-alert', dataset: { key: giftKey(event) } },
    avatar(user, 'avatar overlay-alert-avatar'),
    h('div', { className: 'overlay-alert-body' },
      h('p', { className: 'overlay-alert-title' },
        h('span', { className: 'overlay-alert-nick', text: nameOf(user) }),
        h('span', { className: 'overlay-alert-verb', text: ' sent' })),
      h('p', { className: 'overlay-alert-gift' },
        giftImage(event.imageUrl, event.giftName),
        h('span', { className: 'overlay-alert-name', text: event.giftName || 'a gift' }),
        h('span', { className: 'gift-alert-repeat num' }),
        h('span', { className: 'gift-alert-state' }))),
    h('div', { className: 'overlay-alert-side' },
      h('span', { className: 'gift-alert-value num' }),
      h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } })));
}

/**
 * options: the overlay's {seconds, queue, minDiamonds, repeatStreaks, sound, tts, alertOn, likesEvery}.
 * Returns {live(events), metrics(metrics), clear()}.
 */
export function createOverlayAlerts(container, options) {
  const alertOn = new Set(options.alertOn || ['gift']);
  const milestones = alertOn.has('likes') ? createLikeMilestones(options.likesEvery) : null;
  const tone = createTone();
  const speech = createSpeech({ perMinute: SPOKEN_PER_MINUTE, cap: options.queue });
  let shownCard = null;

  function status() {
    container.dataset.queued = String(queue.waiting);
    container.dataset.shown = String(queue.shown);
    container.dataset.dropped = String(queue.dropped);
  }

  const queue = createAlertQueue({
    seconds: options.seconds,
    cap: options.queue,
    minDiamonds: options.minDiamonds,
    repeatStreaks: options.repeatStreaks,
    show(event) {
      const gift = event.type === 'gift';
      shownCard = gift ? giftCard(event) : (event.type === 'likes' ? likesCard : socialCard)(event);
      if (gift) fillAlert(shownCard, event);
      container.replaceChildren(shownCard);
      if (options.sound) tone.play();
      if (options.tts) speech.offer(gift ? alertSpeech(event) : otherSpeech(event));
    },
    update(event) {
      if (shownCard && event.type === 'gift') fillAlert(shownCard, event);
    },
    hide() {
      shownCard = null;
      container.replaceChildren();
    },
    onChange: status,
  });

  if (options.sound || options.tts) {
    const unlock = () => {
      if (options.sound) tone.unlock();
      speech.setAllowed(options.tts);
    };
    unlock(); // OBS lets a page play at once; a browser tab waits for a click
    window.addEventListener('pointerdown', unlock, { once: true });
  }
  status();

  return {
    live(events) {
      for (const event of events) {
        if (event.type === 'gift' && alertOn.has('gift')) queue.offer(event);
        else if (Object.prototype.hasOwnProperty.call(SOCIAL, event.type) && alertOn.has(event.type)) queue.push({ type: event.type, user: event.user });
      }
      status();
    },
    /** The live's metrics (a snapshot's too): a likes milestone passed alerts. */
    metrics(metrics) {
      const milestone = milestones && metrics ? milestones.seen(metrics.totalLikes) : null;
      if (milestone) queue.push({ type: 'likes', milestone });
      status();
    },
    clear() {
      milestones?.reset();
      queue.clear();
      speech.cancel();
    },
  };
}
