// This tab's own memory (sessionStorage): it survives a reload, and dies with the tab. Storage can
// be disabled (privacy settings): then reads give null and the tab simply forgets on reload.

function read(area, key) {
  try {
    return window[area].getItem(key);
  } catch {
    return null;
  }
}

function write(area, key, value, failure) {
  try {
    if (value === null || value === undefined) window[area].removeItem(key);
    else window[area].setItem(key, String(value));
  } catch (err) {
    console.warn(`Live Assistant: ${failure}`, err);
  }
}

export const tabGet = (key) => read('sessionStorage', key);
export const tabSet = (key, value) => write('sessionStorage', key, value, `cannot keep ${key} for reloads`);

// The browser's lasting memory (localStorage): it survives closing the browser, and every tab of
// the origin shares it (keys name what they belong to). Disabled storage reads as empty, as above.

export const keptGet = (key) => read('localStorage', key);
export const keptSet = (key, value) => write('localStorage', key, value, `cannot keep ${key}`);

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
