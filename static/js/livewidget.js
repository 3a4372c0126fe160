// What the battle and poll widgets share (battlewidget.js, pollwidget.js): drawn from a view of what runs
// (livestate.js's battleView or pollView), hidden and emptied while there is none; a countdown that ticks
// once a second while it runs; and, where an ended one shows only a while (the overlay), the redraw that
// takes it away once that while is over.

import { lingerLeft } from './livestate.js';

/**
 * el: the widget's element. view(): what to show now, or null; fill(shown): draw it into `el`;
 * clock(shown): set its countdown, and say whether it still runs (then it is set again every second);
 * lingerMs: an ended one (its view's `endedAt`) shows this long after its end (null: until the next).
 * Returns {draw()}.
 */
export function createLiveWidget(el, { view, fill, clock, lingerMs = null }) {
  let ticker = null;
  let lingering = null;

  /** Tick every second while `on`. */
  function tick(on) {
    if (on && ticker === null) ticker = window.setInterval(everySecond, 1000);
    if (!on && ticker !== null) {
      window.clearInterval(ticker);
      ticker = null;
    }
  }

  function everySecond() {
    const shown = view();
    tick(shown !== null && clock(shown));
  }

  function draw() {
    window.clearTimeout(lingering);
    let shown = view();
    const left = shown ? lingerLeft(shown.endedAt, lingerMs, Date.now()) : null;
    if (left === 0) shown = null;
    else if (left !== null) lingering = window.setTimeout(draw, left);
    el.hidden = shown === null;
    if (!shown) {
      tick(false);
      el.replaceChildren();
      return;
    }
    fill(shown);
    tick(clock(shown));
  }

  return { draw };
}
