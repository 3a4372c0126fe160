// The actions' pure parts: the overlay's action queue (static/js/actionqueue.js) with fake timers, and what the
// /actions page says of a rule and sends for it (static/js/actionsmodel.js). tests/test_chat_tools.py runs
// `node --test tests/js/`.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createActionQueue } from '../../static/js/actionqueue.js';
import {
  actionFrom, actionSummary, cooldownSummary, deliverySummary, numberOrText, ruleBody, ruleUpdate, triggerFrom,
  triggerSummary,
} from '../../static/js/actionsmodel.js';

function harness(cap = 2) {
  const log = [];
  const timers = [];
  const queue = createActionQueue({
    cap,
    show: (item) => log.push(['show', item.text]),
    hide: (item) => log.push(['hide', item.text]),
    setTimer: (fn, ms) => timers.push({ fn, ms }) - 1,
    clearTimer: () => {},
  });
  return { queue, log, timers, tick: () => timers.shift().fn() };
}

test('one action at a time, each for its own seconds, in the order they came', () => {
  const { queue, log, timers, tick } = harness();
  queue.offer({ text: 'a', seconds: 3 });
  queue.offer({ text: 'b', seconds: 120 });
  assert.deepEqual(log, [['show', 'a']]);
  assert.equal(timers[0].ms, 3000);
  assert.equal(queue.waiting, 1);
  tick();
  assert.deepEqual(log, [['show', 'a'], ['hide', 'a'], ['show', 'b']]);
  assert.equal(timers[0].ms, 60000, 'at most a minute');
  tick();
  assert.equal(queue.current, null);
  assert.equal(queue.shown, 2);
});

test('past the cap the oldest waiting action is dropped', () => {
  const { queue, log, tick } = harness(2);
  for (const text of ['a', 'b', 'c', 'd', 'e']) queue.offer({ text, seconds: 5 });
  assert.equal(queue.waiting, 2);
  assert.equal(queue.dropped, 2);
  tick();
  tick();
  assert.deepEqual(log.filter(([kind]) => kind === 'show').map(([, text]) => text), ['a', 'd', 'e']);
  queue.clear();
  assert.deepEqual(log.at(-1), ['hide', 'e']);
  assert.equal(queue.waiting, 0);
});

test('summaries of triggers, actions, cooldowns and deliveries', () => {
  assert.equal(triggerSummary({ type: 'gift', giftName: 'Rose' }), 'Gift: Rose');
  assert.equal(triggerSummary({ type: 'gift', minDiamonds: 1000 }), 'A gift worth 1,000 diamonds or more');
  assert.equal(triggerSummary({ type: 'likes', every: 5000 }), 'Every 5,000 likes');
  assert.equal(triggerSummary({ type: 'battle', phase: 'ended' }), 'A PK battle ends');
  assert.equal(actionSummary({ type: 'webhook', url: 'https://hooks.example.com/x?y=1' }), 'Webhook → hooks.example.com');
  assert.equal(actionSummary({ type: 'counter', name: 'deaths', add: -1 }), 'Counter deaths −1');
  assert.equal(actionSummary({ type: 'overlay', text: 'hi', image: 'x.png', seconds: 5 }), 'Overlay: “hi” · image · 5 s');
  assert.equal(cooldownSummary({ userSeconds: 30, globalSeconds: 0 }), '30 s per viewer');
  assert.equal(cooldownSummary({}), 'No cooldown');
  assert.equal(deliverySummary({ status: 'pending', tries: 3, lastStatus: 503, lastError: 'Service Unavailable' }),
    '3 tries · HTTP 503 · Service Unavailable');
});

test('the body sent: numbers as numbers, anything else as typed for the server to judge', () => {
  assert.equal(numberOrText(' 42 '), 42);
  assert.equal(numberOrText('4.5'), '4.5');
  assert.equal(numberOrText(''), undefined);
  assert.deepEqual(triggerFrom('gift', { giftName: ' Rose ', minDiamonds: '' }), { type: 'gift', giftName: 'Rose' });
  assert.deepEqual(triggerFrom('likes', { every: 'many' }), { type: 'likes', every: 'many' });
  assert.deepEqual(actionFrom('overlay', { text: '<b>{user}</b>', image: '', sound: 'a.mp3', seconds: '5' }),
    { type: 'overlay', text: '<b>{user}</b>', seconds: 5, sound: 'a.mp3' });
  const body = ruleBody({ username: ' maya ', name: 'x', enabled: 1, trigger: { type: 'follow' }, userSeconds: '',
    globalSeconds: '10', actions: [], rotateSecret: false });
  assert.deepEqual(body, { username: 'maya', name: 'x', enabled: true, trigger: { type: 'follow' },
    cooldown: { userSeconds: 0, globalSeconds: 10 }, actions: [] });
  const rule = { id: 'r', username: 'maya', name: 'x', enabled: true, trigger: {}, cooldown: {}, actions: [], hasSecret: true };
  assert.deepEqual(Object.keys(ruleUpdate(rule, { enabled: false })).sort(),
    ['actions', 'cooldown', 'enabled', 'name', 'trigger', 'username']);
});
