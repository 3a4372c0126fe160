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

// The browser's lasting memory (localStorage): it survives closing the browser, and every tab of
// the origin shares it (keys name what they belong to). Disabled storage reads as empty, as above.

export function keptGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function keptSet(key, value) {
  try {
    if (value === null || value === undefined) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, String(value));
  } catch (err) {
    console.warn(`Live Assistant: cannot keep ${key}`, err);
  }
}

/** The localStorage keys that start with `prefix`. */
export function keptKeys(prefix) {
  try {
    const keys = [];
    for (let i = 0; i < window.localStorage.length; i += 1) {
      const key = window.localStorage.key(i);
      if (key && key.startsWith(prefix)) keys.push(key);
    }
    return keys;
  } catch {
    return [];
  }
}
