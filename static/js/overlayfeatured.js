// The overlay's featured widget (#featured): the chat line a dashboard user put on stream ("Feature on stream":
// the Socket.IO `featured` event, docs/protocol.md), shown as a card for the overlay's `featuredSeconds`. The
// time counts from when it was featured, by the server's `age` (an overlay reloaded 10 s after shows it for
// what is left; the computer's clock is never compared with the server's). Another featured line replaces it
// at once; `event: null` (Stop featuring) takes it off. A line TikTok deleted (`chatDeleted`, in the events
// this overlay receives, the snapshot's too) is taken off and never shown again. The viewer's name and
// comment go in with textContent (dom.js): a comment of markup stays text.
//
// The container's data-message-id names the line shown ('' when none), data-shown counts the lines shown and
// data-told the `featured` events received (a joining overlay gets one at once).

import { avatar, h } from './dom.js';
import { deletionOf } from './livestate.js';

const DELETED_KEPT = 500; // chatDeleted events remembered (a reload's snapshot holds 500 events)

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

function card(event) {
  const user = event.user || {};
  return h('figure', { className: 'featured-card' },
    avatar(user, 'avatar featured-avatar'),
    h('figcaption', { className: 'featured-body' },
      h('p', { className: 'featured-nick', text: nameOf(user) }),
      h('p', { className: 'featured-text', text: event.comment ?? '' })));
}

/** seconds: the overlay's featuredSeconds. Returns {show(payload), events(events), clear()}. */
export function createFeaturedWidget(container, { seconds }) {
  const deleted = []; // chatDeleted tests of the events seen, newest last
  let current = null; // the chat event shown
  let timer = null;
  let shown = 0;
  let told = 0;

  function isDeleted(event) {
    return deleted.some((test) => test(event));
  }

  function hide() {
    window.clearTimeout(timer);
    timer = null;
    current = null;
    container.replaceChildren();
    container.hidden = true;
    container.dataset.messageId = '';
  }

  function render(event, forMs) {
    window.clearTimeout(timer);
    current = event;
    shown += 1;
    container.replaceChildren(card(event));
    container.hidden = false;
    container.dataset.messageId = String(event.messageId ?? '');
    container.dataset.shown = String(shown);
    timer = window.setTimeout(hide, forMs);
  }

  container.dataset.shown = '0';
  container.dataset.told = '0';
  hide();

  return {
    /** A `featured` event's payload: {event, age} (event null: nothing featured). */
    show(payload) {
      told += 1;
      container.dataset.told = String(told);
      const event = payload && typeof payload === 'object' ? payload.event : null;
      if (!event || typeof event !== 'object' || event.type !== 'chat' || isDeleted(event)) {
        hide();
        return;
      }
      const age = Math.max(0, Number(payload.age) || 0);
      const left = seconds * 1000 - age;
      if (left <= 0) hide();
      else render(event, left); // the same line featured again shows for its whole time again
    },
    /** The creator's events (the snapshot's and live ones): a chatDeleted takes its lines off for good. */
    events(events) {
      for (const event of events) {
        const test = deletionOf(event);
        if (!test) continue;
        deleted.push(test);
        if (deleted.length > DELETED_KEPT) deleted.shift();
        if (current && test(current)) hide();
      }
    },
    clear() {
      deleted.length = 0;
      hide();
    },
  };
}
