// What a person types into the creator field: `name`, `@name`, or a TikTok profile or LIVE link.
// The browser's copy of assistant/usernames.py, kept identical (same patterns, same messages) and
// tested against the same table (tests/support/username_cases.py), so the form can refuse at once; the
// server still has the last word. Pure functions, no DOM.

// Python's whitespace (str.strip(), `\s`), which is not quite JavaScript's (trim(), `\s`): it has
// U+001C-U+001F and U+0085, and not U+FEFF.
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const NOT_SPACE = `[^${SPACE}]`;
const STRIP = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');

// 2 to 24 letters, digits, `_` or `.`, at least one of them not a dot (so never `..`).
const USERNAME = '(?=[.]*[A-Za-z0-9_])[A-Za-z0-9_.]{2,24}';
const SCHEME = '(?:https?://)?';
// `@name`, `name`, `@name/live`; a profile or LIVE link, with or without scheme and www./m.
// The `i` flag without `u` folds ASCII letters only: the site and /live in any case, as Python's (?i:...) there.
const HANDLE = new RegExp(`^@?(${USERNAME})(?:/live)?/?$`);
const LINK = new RegExp(`^${SCHEME}(?:(?:www|m)\\.)?tiktok\\.com/@(${USERNAME})(?:/live)?/?(?:[?#]${NOT_SPACE}*)?$`, 'i');
// What the TikTok app's share button gives: a short link that only TikTok can resolve.
const SHORT_LINK = new RegExp(`^${SCHEME}(?:(?:vm|vt)\\.tiktok\\.com/|(?:(?:www|m)\\.)?tiktok\\.com/t/)${NOT_SPACE}*$`, 'i');

export const INVALID_MESSAGE = 'Enter a TikTok username (2-24 letters, digits, _ or .), @name, or a tiktok.com profile or LIVE link';
export const SHORT_LINK_MESSAGE = "That is a TikTok share link, which only TikTok can open: open it, then copy the profile's "
  + 'address (tiktok.com/@name) or the @name shown there';

function refused(reason, message) {
  return { error: { code: 'invalid_username', reason, message } };
}

/**
 * `{username}` (lower case) for what was typed, or
 * `{error: {code: 'invalid_username', reason: 'invalid' | 'short_link', message}}`.
 */
export function parseUsername(text) {
  if (typeof text !== 'string') return refused('invalid', INVALID_MESSAGE);
  const s = text.replace(STRIP, '');
  const match = HANDLE.exec(s) || LINK.exec(s);
  if (match) return { username: match[1].toLowerCase() };
  if (SHORT_LINK.test(s)) return refused('short_link', SHORT_LINK_MESSAGE);
  return refused('invalid', INVALID_MESSAGE);
}
