// The overlay's alert queue (static/js/alertqueue.js) with fake timers: one alert at a time, a streak
// one alert counting up in place (or one per step with repeatStreaks), the cap keeping the most
// valuable. tests/test_chat_tools.py runs `node --test tests/js/`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createAlertQueue, createLikeMilestones } from '../../static/js/alertqueue.js';

function harness(options = {}) {
  const log = [];
  const timers = [];
  const queue = createAlertQueue({
    seconds: 5,
    cap: 3,
    show: (event) => log.push(['show', event.giftName, event.repeatCount]),
    update: (event) => log.push(['update', event.giftName, event.repeatCount]),
    hide: () => log.push(['hide']),
    setTimer: (fn, ms) => timers.push({ fn, ms }) - 1,
    clearTimer: () => {},
    ...options,
  });
  const tick = () => timers.shift().fn();
  return { queue, log, timers, tick };
}

const gift = (user, name, diamonds, repeatCount = 1, streaking = false, giftId = 1) => ({
  type: 'gift', user: { userId: String(user) }, giftId, giftName: name, diamondCount: diamonds, repeatCount, streaking,
});

test('one alert at a time, each for its seconds, then the next', () => {
  const { queue, log, timers, tick } = harness();
  queue.offer(gift(1, 'A', 5));
  queue.offer(gift(2, 'B', 5));
  assert.deepEqual(log, [['show', 'A', 1]]);
  assert.equal(timers[0].ms, 5000);
  assert.equal(queue.waiting, 1);
  tick();
  assert.deepEqual(log.slice(1), [['hide'], ['show', 'B', 1]]);
  tick();
  assert.equal(queue.current, null);
  assert.equal(queue.shown, 2);
});

test('below minDiamonds (a whole value: diamonds x count) nothing alerts', () => {
  const { queue, log } = harness({ minDiamonds: 10 });
  queue.offer(gift(1, 'Small', 3, 3));
  queue.offer({ type: 'chat', comment: 'hi' });
  assert.deepEqual(log, []);
  queue.offer(gift(1, 'Small', 5, 2));
  assert.deepEqual(log, [['show', 'Small', 2]]);
});

test('a streak is one alert that counts up in place, on screen or waiting; one gone stays gone', () => {
  const { queue, log, tick } = harness();
  queue.offer(gift(1, 'Rose', 1, 1, true));
  queue.offer(gift(2, 'Lion', 1, 1, true));
  queue.offer(gift(1, 'Rose', 1, 2, true));
  queue.offer(gift(2, 'Lion', 1, 3, true));
  assert.deepEqual(log, [['show', 'Rose', 1], ['update', 'Rose', 2]]);
  tick();
  assert.deepEqual(log.slice(2), [['hide'], ['show', 'Lion', 3]]);
  queue.offer(gift(1, 'Rose', 1, 9, false)); // Rose's alert left: no new one for its end
  assert.equal(queue.shown, 2);
  assert.equal(queue.waiting, 0);
});

test('repeatStreaks: each step that adds to the count is an alert of its own, the end is not', () => {
  const { queue, log } = harness({ repeatStreaks: true, cap: 10 });
  queue.offer(gift(1, 'Rose', 1, 1, true));
  queue.offer(gift(1, 'Rose', 1, 2, true));
  queue.offer(gift(1, 'Rose', 1, 3, true));
  queue.offer(gift(1, 'Rose', 1, 3, false));
  assert.equal(queue.waiting, 2);
  assert.deepEqual(log, [['show', 'Rose', 1]]);
});

test('the cap: the least valuable waiting alert is dropped, or the new one when it is worth no more', () => {
  const { queue, tick, log } = harness({ cap: 2 });
  queue.offer(gift(1, 'On screen', 1));
  queue.offer(gift(2, 'Ten', 10));
  queue.offer(gift(3, 'Twenty', 20));
  queue.offer(gift(4, 'Five', 5)); // worth less than all waiting: dropped
  queue.offer(gift(5, 'Thirty', 30)); // Ten goes
  assert.equal(queue.waiting, 2);
  assert.equal(queue.dropped, 2);
  tick();
  tick();
  assert.deepEqual(log.filter(([what]) => what === 'show').map(([, name]) => name), ['On screen', 'Twenty', 'Thirty']);
});

test('a storm of 100 gifts leaves one on screen and the cap waiting', () => {
  const { queue } = harness({ cap: 10 });
  for (let n = 0; n < 100; n += 1) queue.offer(gift(n, `G${n}`, 1 + (n % 7)));
  assert.equal(queue.shown, 1);
  assert.equal(queue.waiting, 10);
  assert.equal(queue.dropped, 89);
});

test('clear() forgets everything', () => {
  const { queue, log } = harness();
  queue.offer(gift(1, 'A', 5, 1, true));
  queue.offer(gift(2, 'B', 5));
  queue.clear();
  assert.equal(queue.waiting, 0);
  assert.equal(queue.current, null);
  assert.deepEqual(log.at(-1), ['hide']);
  queue.offer(gift(1, 'A', 5, 2, true)); // the streak was forgotten: a new alert
  assert.deepEqual(log.at(-1), ['show', 'A', 2]);
});

test('other alerts wait in the same queue under the same cap, and a gift outranks them', () => {
  const shown = [];
  const timers = [];
  const queue = createAlertQueue({
    cap: 2,
    show: (event) => shown.push(event.type === 'gift' ? event.giftName : `${event.type}:${event.user.userId}`),
    setTimer: (fn) => timers.push(fn) - 1,
    clearTimer: () => {},
  });
  queue.push({ type: 'follow', user: { userId: '1' } });
  queue.push({ type: 'share', user: { userId: '2' } });
  queue.push({ type: 'follow', user: { userId: '3' } });
  assert.equal(queue.waiting, 2);
  queue.push({ type: 'follow', user: { userId: '4' } }); // over the cap: the newest of equals is dropped
  assert.equal(queue.dropped, 1);
  queue.offer(gift(9, 'Lion', 100)); // worth more than a follow: a follow makes room
  assert.equal(queue.dropped, 2);
  while (timers.length) timers.shift()();
  assert.deepEqual(shown, ['follow:1', 'share:2', 'Lion']);
});

test('likes milestones: the highest multiple passed, nothing for the first total or a new live', () => {
  const milestones = createLikeMilestones(1000);
  assert.equal(milestones.seen(2500), null, 'the first total seen passes nothing (a reload does not alert)');
  assert.equal(milestones.seen(2999), null);
  assert.equal(milestones.seen(3000), 3000);
  assert.equal(milestones.seen(3000), null, 'once');
  assert.equal(milestones.seen(7200), 7000, 'a jump over several: the highest, once');
  assert.equal(milestones.seen(40), null, 'a lower total: a new live, counted from there');
  assert.equal(milestones.seen(1001), 1000);
  milestones.reset();
  assert.equal(milestones.seen(5000), null);
});
