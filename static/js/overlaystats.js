// The overlay's number widgets: `viewers` (the room's viewer count, from the `snapshot` and `metrics` events'
// currentViewerCount) and `counter` (one of the creator's named counters, docs/actions.md: its value when the page
// was made, written into the page by the server, then each `counter` event of that name). Each element carries
// data-value; its .ov-stat-value shows the number, exact (a counter is a number the team counts by hand).

import { setText } from './dom.js';
import { formatCount, formatExact } from './format.js';

/** The viewers widget. Returns {update(metrics), reset()}. */
export function createViewerCount(el) {
  const value = el.querySelector('.ov-stat-value');

  function show(n) {
    const count = Math.max(0, Math.floor(Number(n) || 0));
    const { text, title } = formatCount(count);
    el.dataset.value = String(count);
    setText(value, text);
    value.title = title || '';
    el.setAttribute('aria-label', `${formatExact(count)} watching`);
  }

  show(0);
  return {
    update(metrics) {
      if (metrics && 'currentViewerCount' in metrics) show(metrics.currentViewerCount);
    },
    reset() {
      show(0);
    },
  };
}

/** The counter widget for the counter `name`, starting at `initial`. Returns {update({name, value})}. */
export function createCounterWidget(el, name, initial) {
  const value = el.querySelector('.ov-stat-value');
  setText(el.querySelector('.ov-stat-label'), name);

  function show(n) {
    const count = Number.isSafeInteger(Number(n)) ? Number(n) : 0; // a counter may go below zero
    el.dataset.value = String(count);
    setText(value, count < 0 ? `−${formatExact(-count)}` : formatExact(count));
  }

  show(initial);
  return {
    update(counter) {
      if (counter && counter.name === name) show(counter.value);
    },
  };
}
