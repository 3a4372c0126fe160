// This tab's own memory (sessionStorage): it survives a reload, and dies with the tab. Storage can
// be disabled (privacy settings): then reads give null and the tab simply forgets on reload.

export function tabGet(key) {
  try {
    return window.sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function tabSet(key, value) {
  try {
    if (value === null || value === undefined) window.sessionStorage.removeItem(key);
    else window.sessionStorage.setItem(key, String(value));
  } catch (err) {
    console.warn(`Live Assistant: cannot keep ${key} for reloads`, err);
  }
}
