// tts=chat: the overlay reads the creator's chat aloud with the dashboard's rules (speech.js): the same text
// cleaning (no links or emoji, no endless repeats, at most 200 characters: "Maya says: ..."), at most `perMinute`
// lines a minute (the URL's ttsRate, one of the dashboard's choices) and at most QUEUE_CAP lines waiting (older
// ones are skipped). Only chat that arrives while the overlay is open is read: not the snapshot, not the chat
// TikTok replays on connect.

import { createSpeech, QUEUE_CAP, speechText } from './speech.js';

/** Returns {live(events), clear()}; `onChange(spoken)` after each line started. */
export function createChatReader({ perMinute, onChange = () => {} }) {
  const speech = createSpeech({ perMinute, cap: QUEUE_CAP, onChange: () => onChange(speech.spoken) });
  const unlock = () => speech.setAllowed(true);
  unlock(); // OBS lets a page speak at once; a browser tab waits for a click
  window.addEventListener('pointerdown', unlock, { once: true });

  return {
    live(events) {
      for (const event of events) {
        if (event.type === 'chat' && !event.history) speech.offer(speechText(event));
      }
    },
    clear() {
      speech.cancel();
    },
  };
}
