// The battle and poll widgets' clocks (livewidget.js) with fake timers and a fake clock, in Node
// (`node --test tests/js/`): the countdown ticks every second while it runs and stops at its end; an
// ended battle stays `lingerMs` (the overlay's 30 s), then goes; without a limit it stays.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLiveWidget } from '../../static/js/livewidget.js';

function harness({ lingerMs = null } = {}) {
  let now = 1_000_000;
  let nextId = 1;
  const timers = new Map(); // id -> {fn, at, every}
  globalThis.window = {
    setTimeout: (fn, ms) => { timers.set(nextId, { fn, at: now + ms, every: null }); return nextId++; },
    setInterval: (fn, ms) => { timers.set(nextId, { fn, at: now + ms, every: ms }); return nextId++; },
    clearTimeout: (id) => timers.delete(id),
    clearInterval: (id) => timers.delete(id),
  };
  const realNow = Date.now;
  Date.now = () => now;
  const el = { hidden: true, filled: 0, replaceChildren() { this.filled = 0; } };
  const shown = { current: null };
  const clocks = [];
  const widget = createLiveWidget(el, {
    view: () => shown.current && { ...shown.current, secondsLeft: shown.current.endsAt ? Math.max(0, Math.ceil((shown.current.endsAt - now) / 1000)) : null },
    fill: () => { el.filled += 1; },
    clock: (view) => { clocks.push(view.secondsLeft); return view.running && Boolean(view.secondsLeft); },
    lingerMs,
  });
  /** Let `ms` pass, running the timers due on the way. */
  function pass(ms) {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [id, timer] = due;
      now = timer.at;
      if (timer.every) timer.at += timer.every;
      else timers.delete(id);
      timer.fn();
    }
    now = until;
  }
  const restore = () => { Date.now = realNow; };
  return { el, shown, clocks, widget, pass, timers, restore, get now() { return now; } };
}

test('the countdown ticks each second while it runs, and stops at zero', (t) => {
  const h = harness();
  t.after(h.restore);
  h.shown.current = { running: true, endsAt: h.now + 3_000, endedAt: null };
  h.widget.draw();
  assert.equal(h.el.hidden, false);
  assert.equal(h.el.filled, 1);
  h.pass(5_000);
  assert.deepEqual(h.clocks, [3, 2, 1, 0]);
  assert.equal(h.timers.size, 0, 'no tick left once it reached zero');
  h.shown.current = null;
  h.widget.draw();
  assert.equal(h.el.hidden, true);
});

test('an ended one stays lingerMs after its end, then goes; without a limit it stays', (t) => {
  const h = harness({ lingerMs: 30_000 });
  t.after(h.restore);
  h.shown.current = { running: false, endsAt: null, endedAt: h.now - 10_000 };
  h.widget.draw();
  assert.equal(h.el.hidden, false);
  h.pass(19_000);
  assert.equal(h.el.hidden, false);
  h.pass(1_000);
  assert.equal(h.el.hidden, true, '30 s after its end');
  h.widget.draw();
  assert.equal(h.el.hidden, true, 'a redraw (a reload) of one long ended does not bring it back');

  const forever = harness();
  t.after(forever.restore);
  forever.shown.current = { running: false, endsAt: null, endedAt: forever.now - 3_600_000 };
  forever.widget.draw();
  forever.pass(60_000);
  assert.equal(forever.el.hidden, false);
});
