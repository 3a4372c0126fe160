// Reading chat aloud with the browser's speechSynthesis, without letting a busy chat talk for hours:
// lines wait in a queue of our own (the browser's has no limit), at most `cap` of them (the oldest
// is dropped for a new one), and at most `perMinute` lines start in any 60 seconds. One line is
// spoken at a time. cancel() ("silence all", speech turned off) empties the queue and stops the
// voice at once. Browsers speak only after the user acted on the page: the caller allows speech
// (setAllowed) once that happened; lines offered before are dropped, not saved up.
//
// No DOM here: the synthesizer, the utterance class, the clock and the timers are passed in, so
// tests run it with fakes (tests/js/chattools.test.js).

export const QUEUE_CAP = 5;
export const WINDOW_MS = 60_000;
const MAX_SPOKEN_CHARS = 200;
const MIN_WATCHDOG_MS = 8_000; // a line whose `end` never comes (a browser bug) is given up after this

/** Whether a chat line with these classes ({question, keyword, mention}) is read in `mode`. */
export function wantsSpeech(mode, classes) {
  switch (mode) {
    case 'all':
      return true;
    case 'questions':
      return Boolean(classes && classes.question);
    case 'keywords':
      return Boolean(classes && classes.keyword && classes.keyword.length > 0);
    default:
      return false;
  }
}

const LINK = /\b(?:https?:\/\/|www\.)\S+/giu;
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\u20e3]+/gu;

/** Text as it should be heard: no links or emoji, no endless repeats ("loooool"), not too long. */
export function speakable(text) {
  const s = String(text ?? '')
    .replace(LINK, ' link ')
    .replace(EMOJI, ' ')
    .replace(/(.)\1{3,}/gsu, '$1$1$1')
    .replace(/\s+/gu, ' ')
    .trim();
  const chars = Array.from(s);
  return chars.length > MAX_SPOKEN_CHARS ? `${chars.slice(0, MAX_SPOKEN_CHARS).join('')}…` : s;
}

/** What is said for a chat event: "Maya asks: how are you?", or '' when nothing is left to say. */
export function speechText(event, { question = false } = {}) {
  const comment = speakable(event && event.comment);
  if (!comment) return '';
  const user = (event && event.user) || {};
  const name = speakable(user.nickname) || speakable(user.uniqueId) || 'Someone';
  return `${name} ${question ? 'asks' : 'says'}: ${comment}`;
}

/** A voice on this machine (works offline) in the page's language, if there is one; else null (the default). */
export function pickVoice(voices, lang) {
  const base = String(lang || '').toLowerCase().split('-')[0];
  const local = (voices || []).filter((v) => v && v.localService);
  return local.find((v) => String(v.lang).toLowerCase() === String(lang).toLowerCase())
    || local.find((v) => String(v.lang).toLowerCase().split(/[-_]/u)[0] === base)
    || null;
}

/**
 * options: synth (speechSynthesis), Utterance (SpeechSynthesisUtterance), perMinute, cap, lang,
 * now() (ms), setTimer(fn, ms) / clearTimer(id), onChange() (after the queue or the voice changed).
 * Returns {offer(text), cancel(), setAllowed(bool), setPerMinute(n), queued, speaking, spoken}.
 */
export function createSpeech({
  synth = globalThis.speechSynthesis,
  Utterance = globalThis.SpeechSynthesisUtterance,
  perMinute = 6,
  cap = QUEUE_CAP,
  lang = globalThis.navigator ? globalThis.navigator.language : 'en',
  now = () => performance.now(),
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
  onChange = () => {},
} = {}) {
  let limit = perMinute;
  let allowed = false;
  let queue = []; // texts, oldest first
  let started = []; // when recent lines started (ms), oldest first
  let current = null; // the utterance being spoken (held, so the browser does not drop its events)
  let watchdog = null;
  let retry = null; // timer: the rate limit lets the next line start then
  let spoken = 0;

  const available = Boolean(synth && Utterance);

  function clear(timer) {
    if (timer !== null) clearTimer(timer);
    return null;
  }

  function finished(utterance) {
    if (utterance !== current) return; // cancelled, or already given up
    current = null;
    watchdog = clear(watchdog);
    pump();
    onChange();
  }

  function pump() {
    if (!allowed || current || queue.length === 0) return;
    const t = now();
    started = started.filter((at) => t - at < WINDOW_MS);
    if (started.length >= limit) {
      if (retry === null) {
        retry = setTimer(() => {
          retry = null;
          pump();
          onChange();
        }, started[0] + WINDOW_MS - t + 5);
      }
      return;
    }
    const text = queue.shift();
    started.push(t);
    const utterance = new Utterance(text);
    const voice = pickVoice(typeof synth.getVoices === 'function' ? synth.getVoices() : [], lang);
    if (voice) utterance.voice = voice;
    utterance.onend = () => finished(utterance);
    utterance.onerror = () => finished(utterance);
    current = utterance;
    spoken += 1;
    watchdog = setTimer(() => finished(utterance), Math.max(MIN_WATCHDOG_MS, text.length * 120));
    try {
      synth.speak(utterance);
    } catch (err) {
      console.warn('Live Assistant: speech failed', err);
      finished(utterance);
    }
  }

  function cancel() {
    const had = queue.length > 0 || current !== null;
    queue = [];
    current = null;
    watchdog = clear(watchdog);
    retry = clear(retry);
    if (available) {
      try {
        synth.cancel();
      } catch (err) {
        console.warn('Live Assistant: could not stop speech', err);
      }
    }
    if (had) onChange();
  }

  return {
    available,
    /** Queue a line (dropped when speech is not allowed or the text is empty). */
    offer(text) {
      if (!available || !allowed || !text) return;
      queue.push(text);
      if (queue.length > cap) queue.splice(0, queue.length - cap);
      pump();
      onChange();
    },
    cancel,
    /** Allowed: a mode is on, nothing is silenced, the user has acted on the page. Not allowed cancels. */
    setAllowed(value) {
      allowed = Boolean(value);
      if (!allowed) cancel();
    },
    setPerMinute(n) {
      limit = Math.max(1, Number(n) || 1);
      retry = clear(retry);
      pump();
    },
    get queued() {
      return queue.length;
    },
    get speaking() {
      return current !== null;
    },
    /** Lines started so far. */
    get spoken() {
      return spoken;
    },
  };
}
