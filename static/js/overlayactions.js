// The overlay's actions widget (#actions): what the creator's rules show and say on stream, from the Socket.IO
// `action` event (docs/actions.md). An overlay action is a card, one at a time in a queue
// (actionqueue.js), for its `seconds`: its text (set with textContent: a template filled with a viewer's
// name or comment is text, never markup), its uploaded image or GIF, its uploaded sound played while it
// shows. A tts action is spoken with the browser's voice (speech.js, as the alerts are), one line at a time.
// Images and sounds are taken only from this server's /media/ (the rules name uploads, nothing else).
//
// The container's data-queued, data-shown, data-dropped and data-spoken say what happened; a card's
// data-sound says whether its sound plays (a browser tab may refuse until it is clicked; OBS does not).

import { createActionQueue } from './actionqueue.js';
import { h } from './dom.js';
import { createSpeech, speakable } from './speech.js';

const SPOKEN_PER_MINUTE = 20;
const IMAGE_PATH = /^\/media\/[0-9a-f]{64}\.(?:png|gif|jpg|webp)$/u;
const SOUND_PATH = /^\/media\/[0-9a-f]{64}\.(?:mp3|ogg|wav)$/u;

/** The path when it is one of this server's uploads of that kind, else null. */
export function mediaPath(path, kind) {
  const pattern = kind === 'image' ? IMAGE_PATH : SOUND_PATH;
  return typeof path === 'string' && pattern.test(path) ? path : null;
}

function card(action) {
  const image = mediaPath(action.image, 'image');
  return h('div', { className: 'overlay-action', dataset: { ruleId: action.ruleId, sound: 'none' } },
    image ? h('img', { className: 'overlay-action-image', attrs: { src: image, alt: '' } }) : null,
    action.text ? h('p', { className: 'overlay-action-text', text: action.text }) : null);
}

/** options: the overlay's {queue}, and `silent` (the builder's preview). Returns {offer(action), clear()}. */
export function createOverlayActions(container, { queue: cap = 10, silent = false } = {}) {
  const speech = createSpeech({ perMinute: SPOKEN_PER_MINUTE, cap, onChange: status });
  let playing = null; // the Audio of the card on screen

  function status() {
    container.dataset.queued = String(queue.waiting);
    container.dataset.shown = String(queue.shown);
    container.dataset.dropped = String(queue.dropped);
    container.dataset.spoken = String(speech.spoken);
  }

  function play(shown, path) {
    if (!path || silent) return;
    playing = new Audio(path);
    playing.play().then(
      () => { shown.dataset.sound = 'playing'; },
      (error) => {
        shown.dataset.sound = 'blocked';
        console.warn('Live Assistant: an action sound did not play', error && error.name);
      },
    );
  }

  const queue = createActionQueue({
    cap,
    show(action) {
      const shown = card(action);
      container.replaceChildren(shown);
      play(shown, mediaPath(action.sound, 'sound'));
    },
    hide() {
      if (playing) playing.pause();
      playing = null;
      container.replaceChildren();
    },
    onChange: status,
  });

  if (!silent) {
    const unlock = () => speech.setAllowed(true);
    unlock(); // OBS lets a page speak at once; a browser tab waits for a click
    window.addEventListener('pointerdown', unlock, { once: true });
  }
  status();

  return {
    offer(action) {
      if (!action || typeof action !== 'object') return;
      if (action.kind === 'tts') speech.offer(speakable(action.text));
      else if (action.kind === 'overlay') queue.offer(action);
      status();
    },
    clear() {
      queue.clear();
      speech.cancel();
    },
  };
}
