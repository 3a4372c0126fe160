// The overlay's alert widget: the queue (alertqueue.js) drawn as one card at a time, with the gifter's
// name and picture, the gift's picture, name and count, and its value in diamonds; a tone (tone.js,
// made in the page, nothing fetched) and, when asked, the alert read aloud (speech.js).
//
// An OBS browser source may play sound without a click; a normal browser tab only after one, so the
// first click anywhere on the page unlocks it too. The container's data-queued (alerts waiting),
// data-shown (alerts shown so far) and data-dropped (dropped when the queue was full) say what
// happened; the card is .overlay-alert (data-key, data-repeat, data-diamonds, data-streaking).

import { fillAlert } from './alerts.js';
import { createAlertQueue } from './alertqueue.js';
import { avatar, giftImage, h } from './dom.js';
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

function card(event) {
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

/** options: the overlay's {seconds, queue, minDiamonds, repeatStreaks, sound, tts}. Returns {live(events), clear()}. */
export function createOverlayAlerts(container, options) {
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
      shownCard = card(event);
      fillAlert(shownCard, event);
      container.replaceChildren(shownCard);
      if (options.sound) tone.play();
      if (options.tts) speech.offer(alertSpeech(event));
    },
    update(event) {
      if (shownCard) fillAlert(shownCard, event);
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
      for (const event of events) if (event.type === 'gift') queue.offer(event);
      status();
    },
    clear() {
      queue.clear();
      speech.cancel();
    },
  };
}
