// Number, time and name formatting. Pure functions, no DOM. (Usernames: usernames.js.)

// Numbers are written in English, like the pages' text, whatever the reader's locale: exact counts with a
// comma between thousands ("10,653"), the rule of the server's `exact` filter (assistant/reports/formatting.py),
// so a report refreshed in the page reads as the server wrote it; compact ones as "10.7K".
const exact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** Numbers at or above this are shown compact ("12.3K"), with the exact value in a title. */
export const COMPACT_FROM = 10_000;

/** A finite, non-negative integer from anything (null, strings, NaN become 0). */
export function toCount(value) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

export function formatExact(value) {
  return exact.format(toCount(value));
}

/** `{text, title}`: text for reading, title with the exact value when text is compact (else '').
 * `compact: false`: always exact (a live's report, whose numbers read as the server writes them). */
export function formatCount(value, { compact: shorten = true } = {}) {
  const n = toCount(value);
  if (shorten && n >= COMPACT_FROM) return { text: compact.format(n), title: exact.format(n) };
  return { text: exact.format(n), title: '' };
}

export function formatTime(ts) {
  const n = Number(ts);
  return Number.isFinite(n) && n > 0 ? clock.format(new Date(n)) : '';
}

/** Up to two initials (letters or digits only) from a nickname or username, for avatar fallbacks. */
export function initials(name) {
  const words = String(name || '')
    .split(/[\s._-]+/u)
    .map((word) => Array.from(word.replace(/[^\p{L}\p{N}]/gu, '')))
    .filter((letters) => letters.length > 0);
  if (words.length === 0) return '?';
  const letters = words.length === 1 ? words[0].slice(0, 2) : [words[0][0], words[1][0]];
  return letters.join('').toUpperCase();
}

/** A stable hue (0-359) for a user, so the same person keeps the same avatar colour. */
export function hueFor(key) {
  let h = 2166136261;
  for (const ch of String(key || '')) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 16777619);
  }
  return Math.abs(h) % 360;
}

/** A URL that is safe to put in an <img src>: http(s) only, else ''. */
export function safeImageUrl(url) {
  if (typeof url !== 'string' || url === '') return '';
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : '';
  } catch {
    return '';
  }
}
