// The clocks of the battle and poll widgets (battlewidget.js, pollwidget.js): a tick once a second while a
// countdown runs, and, where an ended one shows only a while (the overlay), the redraw that takes it away.

import { lingerLeft } from './livestate.js';

/** run(true) starts a tick a second, run(false) stops it; asking twice for the same changes nothing. */
export function createTicker(tick) {
  let timer = null;
  return {
    run(on) {
      if (on && timer === null) timer = window.setInterval(tick, 1000);
      if (!on && timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
    },
  };
}

/** keeps(shown): whether a view (with its endedAt) still shows `lingerMs` (null: always) after its end; when it
 * does for a while only, redraw() is called once that while is over. */
export function createLinger(lingerMs, redraw) {
  let timer = null;
  return {
    keeps(shown) {
      window.clearTimeout(timer);
      timer = null;
      if (!shown) return false;
      const left = lingerLeft(shown.endedAt, lingerMs, Date.now());
      if (left === null) return true;
      if (left > 0) timer = window.setTimeout(redraw, left);
      return left > 0;
    },
  };
}
