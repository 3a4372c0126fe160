// The chat tools' settings of this tab: keywords, gift alerts (on, threshold, sound), text-to-speech
// (mode, lines a minute) and "silence all". Kept in localStorage under a key of the tab's own (its
// id lives in the tab's sessionStorage), so they survive a reload and each tab has its own: two
// tabs following two creators keep two keyword lists. Alerts, sound and speech are off until the
// user turns them on. Whatever is read back is checked again (storage can be edited by hand).

import { parseKeywords } from './chatfilter.js';
import { keptGet, keptKeys, keptSet, tabGet, tabSet } from './storage.js';

const TAB_ID_KEY = 'liveAssistant.tabId';
export const SETTINGS_PREFIX = 'liveAssistant.chatTools.';
const KEPT_TABS = 20; // the settings of at most this many tabs are kept (the most recently changed)

export const SPEECH_MODES = ['off', 'all', 'questions', 'keywords'];
export const SPEECH_RATES = [3, 6, 10, 20]; // lines a minute, at most
export const MAX_THRESHOLD = 1_000_000;

export const DEFAULTS = Object.freeze({
  keywords: Object.freeze([]),
  alerts: false, // gift alerts
  threshold: 100, // diamonds, a gift's whole value (diamonds x count)
  sound: false, // a tone with each gift alert
  speech: 'off', // SPEECH_MODES
  speechPerMinute: 6,
  muted: false, // "silence all"
});

/** A threshold from anything: a whole number of diamonds from 1 to MAX_THRESHOLD, or null. */
export function parseThreshold(value) {
  const n = typeof value === 'number' ? value : Number(String(value ?? '').trim());
  if (!Number.isFinite(n) || n < 1 || n > MAX_THRESHOLD) return null;
  return Math.floor(n);
}

/** Settings with every field checked; anything missing or wrong takes its default. */
export function cleanSettings(raw) {
  const r = raw && typeof raw === 'object' ? raw : {};
  return {
    keywords: Array.isArray(r.keywords) ? parseKeywords(r.keywords).keywords : [],
    alerts: r.alerts === true,
    threshold: parseThreshold(r.threshold) ?? DEFAULTS.threshold,
    sound: r.sound === true,
    speech: SPEECH_MODES.includes(r.speech) ? r.speech : DEFAULTS.speech,
    speechPerMinute: SPEECH_RATES.includes(r.speechPerMinute) ? r.speechPerMinute : DEFAULTS.speechPerMinute,
    muted: r.muted === true,
  };
}

function newTabId() {
  const bytes = new Uint8Array(12);
  window.crypto.getRandomValues(bytes); // unlike randomUUID(), also on plain http
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function read(key) {
  try {
    const stored = JSON.parse(keptGet(key) || 'null');
    return stored && typeof stored === 'object' ? stored : null;
  } catch {
    return null;
  }
}

/** Forget the settings of all but the KEPT_TABS most recently changed tabs (closed tabs leave theirs). */
function prune(ownKey) {
  const others = keptKeys(SETTINGS_PREFIX).filter((key) => key !== ownKey)
    .map((key) => ({ key, savedAt: Number((read(key) || {}).savedAt) || 0 }))
    .sort((a, b) => b.savedAt - a.savedAt);
  for (const { key } of others.slice(KEPT_TABS - 1)) keptSet(key, null);
}

/**
 * This tab's settings. onChange(settings) runs after every change: one made here with update(),
 * or one made by a duplicate of this tab (which shares its sessionStorage, so its settings).
 * Returns {get(), update(patch), key}.
 */
export function createSettings({ onChange = () => {} } = {}) {
  let tabId = tabGet(TAB_ID_KEY);
  if (!tabId || !/^[0-9a-f]{24}$/u.test(tabId)) {
    tabId = newTabId();
    tabSet(TAB_ID_KEY, tabId);
  }
  const key = SETTINGS_PREFIX + tabId;
  let current = cleanSettings((read(key) || {}).settings);
  prune(key);

  window.addEventListener('storage', (event) => {
    if (event.key !== key) return;
    current = cleanSettings((read(key) || {}).settings);
    onChange(current);
  });

  return {
    key,
    get() {
      return current;
    },
    update(patch) {
      current = cleanSettings({ ...current, ...patch });
      keptSet(key, JSON.stringify({ v: 1, savedAt: Date.now(), settings: current }));
      onChange(current);
      return current;
    },
  };
}
