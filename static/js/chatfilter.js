// Reading the chat: the search, and which lines are questions, carry a keyword or mention the
// creator. Pure functions, no DOM (tests/js/chattools.test.js runs them in Node). Everything is
// plain text: a search or a keyword is never a pattern, so `.*`, `(` or `<b>` match themselves.
// Matches are reported as [start, end) ranges of UTF-16 offsets into the text, for highlight.js.

export const MAX_KEYWORDS = 50;
export const MAX_KEYWORD_LENGTH = 40; // characters (code points)
export const MAX_QUERY_LENGTH = 100;

export const QUESTION_WORDS = ['who', 'what', 'when', 'where', 'why', 'how', 'can', 'could', 'do', 'does', 'did',
  'is', 'are', 'will', 'would', 'should'];

// A line that starts with one of the words above, in any case, as a whole word: "is it", "how's",
// but not "island" or "whoever".
const QUESTION_START = new RegExp(`^(?:${QUESTION_WORDS.join('|')})(?![A-Za-z0-9_])`, 'i');
// What may come before the first word: spaces, emoji, quotes and brackets, and @mentions
// ("@maya how do you...").
const LEADING = /^(?:[\s\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f"'“‘«([¡]|@[\p{L}\p{N}_.]+)+/u;
// What may come after the question mark: spaces, emoji, closing quotes and brackets.
const TRAILING = /[\s\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\ufe0f\u20e3"'”’»)\]]+$/u;
// ?, the full-width ？ (Chinese, Japanese), the Arabic ؟, then maybe !, as in "really?!".
const ASKING_END = /[?？؟][!！]*$/u;

/**
 * The text in lower case, with the same length, so that offsets found in it are offsets in the
 * original: the few characters whose lower case is longer ("İ") are kept as they are.
 */
export function fold(text) {
  const s = String(text ?? '');
  const lower = s.toLowerCase();
  if (lower.length === s.length) return lower;
  let out = '';
  for (const ch of s) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

/** Every place `needle` occurs in `haystack` (both already folded), without overlaps. */
export function findAll(haystack, needle) {
  const ranges = [];
  if (!needle) return ranges;
  let at = haystack.indexOf(needle);
  while (at !== -1) {
    ranges.push([at, at + needle.length]);
    at = haystack.indexOf(needle, at + needle.length);
  }
  return ranges;
}

/** The union of ranges, sorted, overlapping and touching ones merged. */
export function mergeRanges(ranges) {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The search as typed: trimmed, at most MAX_QUERY_LENGTH characters; '' means no search. */
export function cleanQuery(query) {
  return Array.from(String(query ?? '').trim()).slice(0, MAX_QUERY_LENGTH).join('');
}

/** Where the search occurs in `text` (any case, plain text). */
export function searchRanges(text, query) {
  const q = fold(cleanQuery(query));
  return q ? findAll(fold(text), q) : [];
}

/**
 * Whether a chat event matches the search: its comment, its sender's nickname or username (with or
 * without the @) contains the query, in any case. An empty query matches everything.
 */
export function matchesSearch(event, query) {
  const q = fold(cleanQuery(query));
  if (!q) return true;
  const user = (event && event.user) || {};
  const id = fold(user.uniqueId);
  return fold(event && event.comment).includes(q)
    || fold(user.nickname).includes(q)
    || id.includes(q)
    || (q.startsWith('@') && q.length > 1 && id.includes(q.slice(1)));
}

/**
 * The keyword list from what was typed (commas or new lines between keywords; a list is taken
 * as is): trimmed, empty ones skipped, duplicates (in any case) kept once, at most MAX_KEYWORDS,
 * each at most MAX_KEYWORD_LENGTH characters. Returns {keywords, tooLong: [...], overLimit: n,
 * duplicates: n}: what was left out, to tell the user.
 */
export function parseKeywords(input) {
  const parts = Array.isArray(input) ? input.map((k) => String(k ?? '')) : String(input ?? '').split(/[,\n\r]/u);
  const keywords = [];
  const seen = new Set();
  const tooLong = [];
  let overLimit = 0;
  let duplicates = 0;
  for (const part of parts) {
    const keyword = part.trim();
    if (!keyword) continue;
    if (Array.from(keyword).length > MAX_KEYWORD_LENGTH) {
      tooLong.push(keyword);
      continue;
    }
    const key = fold(keyword);
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    if (keywords.length >= MAX_KEYWORDS) {
      overLimit += 1;
      continue;
    }
    seen.add(key);
    keywords.push(keyword);
  }
  return { keywords, tooLong, overLimit, duplicates };
}

/**
 * A question: it ends with a question mark (trailing spaces, emoji and closing quotes aside), or
 * starts with a question word (who, what, ... should; after any leading emoji or @mentions), or
 * with the Spanish ¿.
 */
export function isQuestion(text) {
  const s = String(text ?? '');
  if (ASKING_END.test(s.replace(TRAILING, ''))) return true;
  const start = s.replace(LEADING, '');
  return start.startsWith('¿') || QUESTION_START.test(start);
}

const NAME_CHAR = /[A-Za-z0-9_]/u;

/**
 * Where `text` mentions the creator: `@<creator>` in any case, not part of a longer name
 * (`@maya` is not in `@mayafan`, `@maya.fan` or `me@maya`; `@maya.` at a sentence's end is).
 */
export function mentionRanges(text, creator) {
  const name = String(creator ?? '').replace(/^@/u, '');
  if (!name) return [];
  const s = String(text ?? '');
  return findAll(fold(s), `@${fold(name)}`).filter(([start, end]) => {
    const before = s[start - 1];
    if (before !== undefined && (NAME_CHAR.test(before) || before === '.')) return false;
    const after = s[end];
    if (after === undefined) return true;
    if (NAME_CHAR.test(after)) return false;
    return !(after === '.' && NAME_CHAR.test(s[end + 1] ?? ''));
  });
}

/**
 * A classifier for chat comments with these keywords and this creator:
 * classify(comment) -> {question, keyword: [ranges], mention: [ranges]}.
 */
export function createClassifier({ keywords = [], creator = null } = {}) {
  const folded = keywords.map(fold).filter(Boolean);
  return function classify(comment) {
    const text = String(comment ?? '');
    const lower = fold(text);
    const keyword = mergeRanges(folded.flatMap((k) => findAll(lower, k)));
    return { question: isQuestion(text), keyword, mention: mentionRanges(text, creator) };
  };
}

/**
 * The text cut into runs for highlighting: [{text, kinds: [...]}], `kinds` naming the layers
 * ({kind: ranges}) that cover the run, in the order of `layers`' keys. Runs with the same kinds are
 * joined; a text with no ranges is one run with no kinds.
 */
export function segments(text, layers) {
  const s = String(text ?? '');
  const kinds = Object.keys(layers);
  const cuts = new Set([0, s.length]);
  for (const kind of kinds) {
    for (const [a, b] of layers[kind]) {
      cuts.add(Math.max(0, Math.min(s.length, a)));
      cuts.add(Math.max(0, Math.min(s.length, b)));
    }
  }
  const points = Array.from(cuts).sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [a, b] = [points[i], points[i + 1]];
    const on = kinds.filter((kind) => layers[kind].some(([x, y]) => x <= a && b <= y));
    const last = out[out.length - 1];
    if (last && last.kinds.join() === on.join()) last.text += s.slice(a, b);
    else out.push({ text: s.slice(a, b), kinds: on });
  }
  return out.length ? out : [{ text: s, kinds: [] }];
}
