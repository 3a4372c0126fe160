// The overlay's styling options (docs/overlays.md), applied to the page's root as custom properties that
// overlay.css reads. The server checked them (assistant/overlays/options.py): colours are #rrggbb, the backing's
// opacity a number from 0 to 1; the font, the alignment and the direction are data attributes the server wrote
// (values of fixed lists). Nothing here is put into CSS as the URL gave it: a colour is read into its three
// numbers and written out again, and anything else leaves the theme's value.

const HEX = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/u;

/** "#ffcc00" -> "255, 204, 0", or null. */
export function rgbOf(colour) {
  const match = HEX.exec(String(colour));
  return match ? match.slice(1).map((part) => parseInt(part, 16)).join(', ') : null;
}

/** options: the overlay's {fontScale, textColor, accentColor, background}. */
export function applyStyle(root, options) {
  const set = (name, value) => root.style.setProperty(name, value);
  set('--scale', String(Number(options.fontScale) || 1));
  const text = rgbOf(options.textColor);
  if (text) {
    set('--ink', `rgb(${text})`);
    set('--ink-2', `rgba(${text}, 0.88)`);
  }
  const accent = rgbOf(options.accentColor);
  if (accent) {
    set('--accent', `rgb(${accent})`);
    set('--accent-rgb', accent);
    set('--name', `rgb(${accent})`); // the names take the accent too
  }
  const alpha = Number(options.background);
  if (Number.isFinite(alpha) && alpha >= 0 && alpha <= 1) set('--backing-alpha', String(alpha));
}
