// The gift alert's sound, made in the page with the Web Audio API (nothing is fetched): one
// OscillatorNode that steps up a fifth ("ding-ding"), shaped by a GainNode envelope. Browsers let a
// page make sound only after the user acted on it: the AudioContext is made (or resumed) in
// unlock(), which is called from a click (the sound toggle, or the first click on the page).

const MIN_GAP_MS = 700; // tones closer than this are skipped: a burst of big gifts rings once
const VOLUME = 0.18;

/** onChange(): the context started or stopped running (the browser allowed the sound, or took it back). */
export function createTone({ now = () => performance.now(), onChange = () => {} } = {}) {
  const Context = window.AudioContext || window.webkitAudioContext;
  let context = null;
  let playing = new Set(); // {oscillator, gain} still sounding
  let lastAt = -Infinity;

  function stopAll() {
    if (!context) return;
    const t = context.currentTime;
    for (const { oscillator, gain } of playing) {
      try {
        gain.gain.cancelScheduledValues(t);
        gain.gain.setValueAtTime(0, t);
        oscillator.stop(t);
      } catch (err) {
        console.warn('Live Assistant: could not stop the alert sound', err);
      }
    }
    playing = new Set();
  }

  return {
    /** Whether this browser can make the sound at all. */
    available: Boolean(Context),

    /** True once the browser lets the page play (the context runs). */
    get ready() {
      return Boolean(context) && context.state === 'running';
    },

    /** Call from a user gesture: makes or resumes the AudioContext. */
    unlock() {
      if (!Context) return;
      try {
        if (!context) {
          context = new Context();
          context.onstatechange = () => onChange();
        }
        if (context.state === 'suspended') {
          context.resume().catch((err) => console.warn('Live Assistant: the browser keeps the sound off', err));
        }
      } catch (err) {
        console.warn('Live Assistant: no sound in this browser', err);
      }
    },

    /** Ring once (skipped when not unlocked yet, or right after another tone). Returns whether it rang. */
    play() {
      if (!context || context.state !== 'running') return false;
      const at = now();
      if (at - lastAt < MIN_GAP_MS) return false;
      lastAt = at;
      const t = context.currentTime;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'triangle';
      oscillator.frequency.setValueAtTime(880, t);
      oscillator.frequency.setValueAtTime(1318.5, t + 0.12);
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(VOLUME, t + 0.015);
      gain.gain.exponentialRampToValueAtTime(VOLUME * 0.35, t + 0.11);
      gain.gain.exponentialRampToValueAtTime(VOLUME, t + 0.135);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.75);
      oscillator.connect(gain).connect(context.destination);
      const sound = { oscillator, gain };
      playing.add(sound);
      oscillator.onended = () => {
        playing.delete(sound);
        gain.disconnect();
      };
      oscillator.start(t);
      oscillator.stop(t + 0.8);
      return true;
    },

    /** Silence whatever is sounding now. */
    stop: stopAll,
  };
}
