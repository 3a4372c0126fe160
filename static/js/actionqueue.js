// The overlay's queue of actions (what the creator's rules show on stream): one on screen at a time, each
// for its own `seconds`, the next ones waiting their turn in the order they came. At most `cap` wait: past
// it the oldest waiting one is dropped, so a burst of follows never queues an hour of cards, and what shows
// stays recent.
//
// No DOM here: what to draw goes out through show(item) / hide(item); timers are passed in, so tests run it
// with fakes (tests/js/actionqueue.test.mjs).

const MIN_SECONDS = 1;
const MAX_SECONDS = 60;

function duration(seconds) {
  const n = Number(seconds);
  return Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, Number.isFinite(n) ? n : MIN_SECONDS)) * 1000;
}

/**
 * options: cap, show(item), hide(item), onChange(), setTimer(fn, ms), clearTimer(id).
 * Returns {offer(item with `seconds`), clear(), waiting, shown, dropped, current}.
 */
export function createActionQueue({
  cap = 10,
  show = () => {},
  hide = () => {},
  onChange = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
} = {}) {
  let current = null;
  let waiting = [];
  let timer = null;
  let shown = 0;
  let dropped = 0;

  function start(item) {
    current = item;
    shown += 1;
    show(item);
    timer = setTimer(next, duration(item.seconds));
  }

  function next() {
    timer = null;
    const done = current;
    current = null;
    hide(done);
    if (waiting.length) start(waiting.shift());
    onChange();
  }

  return {
    offer(item) {
      if (!current) start(item);
      else {
        waiting.push(item);
        if (waiting.length > cap) {
          waiting.splice(0, waiting.length - cap);
          dropped += 1;
        }
      }
      onChange();
    },
    /** Forget everything (another creator). */
    clear() {
      if (timer !== null) clearTimer(timer);
      timer = null;
      const done = current;
      current = null;
      waiting = [];
      if (done) hide(done);
      onChange();
    },
    get waiting() {
      return waiting.length;
    },
    get shown() {
      return shown;
    },
    get dropped() {
      return dropped;
    },
    get current() {
      return current;
    },
  };
}
