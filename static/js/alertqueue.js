// The overlay's alert queue: one gift alert on screen at a time, for `seconds` each, the next one
// waiting its turn. Which gifts alert is the dashboard's rule (alerts.js createGiftAlertRule): a
// gift's whole value (diamonds x count) at least `minDiamonds`, a streak one alert from the message
// that reaches it (its start, with a low threshold) that then counts up in place, whether it is on
// screen or still waiting. With `repeatStreaks` each step of a streak that adds to its count is an
// alert of its own instead. At most `cap` alerts wait: past it the least valuable waiting one is
// dropped (the new one, when it is worth no more), so a gift storm never queues an hour of alerts.
// Other alerts (a follow, a share, a subscription, a likes milestone: `push`) wait in the same queue,
// under the same cap, worth nothing: a gift outranks them, and past the cap the newest of them is dropped.
//
// No DOM here: what to draw goes out through show(event) / update(event) / hide(); timers are passed
// in, so tests can run it with fakes.

import { createGiftAlertRule, giftValue } from './alerts.js';
import { toCount } from './format.js';

const FOLLOWED_STREAKS = 500; // repeatStreaks: last alerted count of this many streaks at most

/**
 * options: seconds, cap, minDiamonds, repeatStreaks, show(event), update(event), hide(),
 * onChange() (after the queue changed), setTimer(fn, ms), clearTimer(id).
 * Returns {offer(event), clear(), waiting, shown, dropped, current}.
 */
export function createAlertQueue({
  seconds = 5,
  cap = 10,
  minDiamonds = 1,
  repeatStreaks = false,
  show = () => {},
  update = () => {},
  hide = () => {},
  onChange = () => {},
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (id) => clearTimeout(id),
} = {}) {
  const rule = createGiftAlertRule();
  const alertedCounts = new Map(); // streak key -> the count its last alert showed (repeatStreaks)
  let current = null; // {key, event} on screen
  let waiting = []; // {key, event}, in turn
  let timer = null;
  let shown = 0;
  let dropped = 0;
  let others = 0; // alerts pushed, for their keys

  function latest(key) {
    for (let i = waiting.length - 1; i >= 0; i -= 1) if (waiting[i].key === key) return waiting[i];
    return current && current.key === key ? current : null;
  }

  function start(entry) {
    current = entry;
    shown += 1;
    show(entry.event);
    timer = setTimer(next, seconds * 1000);
  }

  function next() {
    timer = null;
    current = null;
    hide();
    if (waiting.length) start(waiting.shift());
    onChange();
  }

  function enqueue(entry) {
    if (!current) {
      start(entry);
      return;
    }
    waiting.push(entry);
    if (waiting.length <= cap) return;
    let smallest = waiting.length - 1; // the new one goes first, unless an older one is worth less
    for (let i = waiting.length - 2; i >= 0; i -= 1) {
      if (giftValue(waiting[i].event) < giftValue(waiting[smallest].event)) smallest = i;
    }
    waiting.splice(smallest, 1);
    dropped += 1;
  }

  /** Whether this streak step adds to what the streak's last alert showed (repeatStreaks only). */
  function repeats(key, event) {
    return repeatStreaks && toCount(event.repeatCount) > (alertedCounts.get(key) || 0);
  }

  function remember(key, event) {
    if (!repeatStreaks) return;
    alertedCounts.delete(key);
    if (event.streaking === true) alertedCounts.set(key, toCount(event.repeatCount));
    if (alertedCounts.size > FOLLOWED_STREAKS) alertedCounts.delete(alertedCounts.keys().next().value);
  }

  return {
    /** A live gift event (anything else is ignored). */
    offer(event) {
      const decision = rule.offer(event, minDiamonds);
      if (!decision) return;
      const { key } = decision;
      if (decision.action === 'update' && !repeats(key, event)) {
        const entry = latest(key);
        if (entry) {
          entry.event = event;
          if (entry === current) update(event);
        }
        if (event.streaking !== true) alertedCounts.delete(key);
        return; // an alert that has left already stays gone
      }
      remember(key, event);
      enqueue({ key, event });
      onChange();
    },
    /** Another alert than a gift's ({type, ...}: what show() draws); every one is an alert of its own. */
    push(alert) {
      others += 1;
      enqueue({ key: `${alert.type}#${others}`, event: alert });
      onChange();
    },
    /** Forget everything (another creator). */
    clear() {
      if (timer !== null) clearTimer(timer);
      timer = null;
      const had = current !== null;
      current = null;
      waiting = [];
      alertedCounts.clear();
      rule.reset();
      if (had) hide();
      onChange();
    },
    get waiting() {
      return waiting.length;
    },
    /** Alerts shown so far. */
    get shown() {
      return shown;
    },
    /** Alerts dropped because the queue was full. */
    get dropped() {
      return dropped;
    },
    get current() {
      return current ? current.event : null;
    },
  };
}

/**
 * The likes milestones of a live, from its like total (metrics' totalLikes): seen(total) is the highest
 * multiple of `every` the total passed since the last one seen, or null. The first total seen (the page's load,
 * a new live's snapshot) passes nothing: a reload does not alert again. A total lower than the last one (a new
 * live) starts over from it.
 */
export function createLikeMilestones(every) {
  const step = Math.max(1, toCount(every));
  let last = null; // the last total seen

  return {
    seen(total) {
      const n = toCount(total);
      const before = last;
      if (before === null || n < before) {
        last = n;
        return null;
      }
      last = n;
      const reached = Math.floor(n / step);
      return reached > Math.floor(before / step) ? reached * step : null;
    },
    /** Start over: the next total seen passes nothing. */
    reset() {
      last = null;
    },
  };
}
