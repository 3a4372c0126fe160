// Tiny DOM helpers. Text goes in with textContent only; no HTML is ever built from strings.

import { hueFor, initials, safeImageUrl } from './format.js';

/**
 * h('li', {className: 'row', text: 'hi', dataset: {seq: 3}, attrs: {title: 'x'}}, child, ...)
 * `text` is set with textContent; attrs are set with setAttribute (never on* handlers).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined && props.text !== null) el.textContent = String(props.text);
  if (props.dataset) {
    for (const [k, v] of Object.entries(props.dataset)) {
      if (v !== undefined && v !== null) el.dataset[k] = String(v);
    }
  }
  if (props.attrs) {
    for (const [k, v] of Object.entries(props.attrs)) {
      if (v === undefined || v === null || /^on/iu.test(k)) continue;
      el.setAttribute(k, String(v));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) el.append(child);
  }
  return el;
}

/** Set text and keep it as-is when unchanged (avoids needless layout work). */
export function setText(el, text) {
  const s = String(text);
  if (el.textContent !== s) el.textContent = s;
}

// Pictures: each new picture URL costs the browser a load and a decode (a whole document for an SVG).
// On a busy LIVE thousands of viewers pass by, so new URLs are loaded at a bounded rate; a row
// that comes past the budget shows the initials circle instead (the person's next row will likely
// get their picture). The most recently used pictures stay loaded (an Image held here, out of the
// page), so the rows that keep coming for the same people reuse the decoded picture.
const NEW_IMAGES_PER_SECOND = 10;
const NEW_IMAGES_BURST = 10;
const KEPT_IMAGES = 200;
const FAILED_KEPT = 2000;

const failedImages = new Set(); // URLs that failed once are not tried again
const keptImages = new Map(); // src -> Image, least recently used first
let tokens = NEW_IMAGES_BURST;
let refilledAt = performance.now();

function takeToken() {
  const now = performance.now();
  tokens = Math.min(NEW_IMAGES_BURST, tokens + ((now - refilledAt) / 1000) * NEW_IMAGES_PER_SECOND);
  refilledAt = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

function imageFailed(src) {
  if (failedImages.size >= FAILED_KEPT) failedImages.clear();
  failedImages.add(src);
  keptImages.delete(src);
}

/** Whether to show the picture at `src` now: already loaded (or loading), or within the budget. */
function usableImage(src) {
  if (!src || failedImages.has(src)) return false;
  const kept = keptImages.get(src);
  if (kept) {
    keptImages.delete(src); // re-insert: most recently used last
    keptImages.set(src, kept);
    return true;
  }
  if (!takeToken()) return false;
  const img = new Image();
  img.decoding = 'async';
  img.referrerPolicy = 'no-referrer';
  img.addEventListener('error', () => imageFailed(src), { once: true });
  img.src = src;
  keptImages.set(src, img);
  if (keptImages.size > KEPT_IMAGES) keptImages.delete(keptImages.keys().next().value);
  return true;
}

/** A coloured circle with the initials of `name` (its colour from `key`), in place of a picture. */
export function initialsCircle(name, key, className) {
  const circle = h('span', { className: `${className} avatar-initials`, text: initials(name), attrs: { 'aria-hidden': 'true' } });
  circle.style.setProperty('--hue', String(hueFor(key || name)));
  return circle;
}

/**
 * Make `el` open the viewer card of `user` when clicked (viewercard.js listens for clicks on
 * `.user-link`): class user-link, data-user-id and data-unique-id. A user without a userId gets
 * nothing (there is no card to ask for).
 */
export function linkUser(el, user) {
  const id = user && user.userId;
  if (id === undefined || id === null || id === '') return el;
  el.classList.add('user-link');
  el.dataset.userId = String(id);
  if (user.uniqueId) el.dataset.uniqueId = String(user.uniqueId);
  return el;
}

/**
 * An <img> for the URL, replaced by a coloured initials circle when the URL is empty, unsafe or
 * fails to load. `link`: clicking it opens the viewer card (linkUser), whichever of the two it is.
 */
export function avatar(user, className = 'avatar', { link = false } = {}) {
  const name = (user && (user.nickname || user.uniqueId)) || '?';
  const key = (user && (user.userId || user.uniqueId)) || name;
  const circle = () => {
    const el = initialsCircle(name, key, className);
    return link ? linkUser(el, user) : el;
  };
  const picture = tiktokImage(user && user.avatarUrl, { className, alt: '', size: 32 }, circle);
  return link ? linkUser(picture, user) : picture;
}

/** A picture from TikTok (http(s) only: safeImageUrl), or what `fallback()` makes when there is none, it
 * is over the loading budget, or it fails to load. */
function tiktokImage(url, { className, alt, size }, fallback) {
  const src = safeImageUrl(url);
  if (!usableImage(src)) return fallback();
  const img = h('img', {
    className,
    attrs: { src, alt, width: size, height: size, decoding: 'async', referrerpolicy: 'no-referrer' },
  });
  img.addEventListener('error', () => {
    imageFailed(src);
    img.replaceWith(fallback());
  }, { once: true });
  return img;
}

/** A gift picture, or a neutral gift glyph when there is none or it fails to load. */
export function giftImage(url, name) {
  return tiktokImage(url, { className: 'gift-image', alt: name || 'gift', size: 28 },
    () => h('span', { className: 'gift-image gift-image-fallback', attrs: { 'aria-hidden': 'true' } }));
}

/** An emote (a sticker sent in chat), or a plain sticker glyph when its picture cannot be shown. */
export function emoteImage(url) {
  return tiktokImage(url, { className: 'emote-image', alt: 'emote', size: 40 },
    () => h('span', { className: 'emote-image emote-image-fallback', text: 'sticker' }));
}
