// What the LIVE is doing (livestate.js), folded from contract events, in Node (`node --test tests/js/`;
// tests/test_chat_tools.py runs it): a battle's scores, masked scores, its result from the creator's side
// and its countdown; a poll's shares; TikTok's goal; the pinned line, a deletion and the creator's pause.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  battleView, clockText, createLiveState, deletionOf, goalView, lingerLeft, pollView, secondsLeft, shares,
} from '../../static/js/livestate.js';

const maya = { userId: '44', uniqueId: 'maya.sunny', nickname: 'Maya' };
const rival = { userId: '43', uniqueId: 'rival43', nickname: 'Rival' };
const fan = { userId: '42', uniqueId: 'viewer42', nickname: 'Fan' };
const NOW = 1_795_753_444_000;

function battle(phase, fields = {}) {
  return { type: 'battle', battleId: 'b1', phase, endsAt: null, teams: [], result: null, ts: NOW, ...fields };
}

test('a battle: the start names the hosts, later scores name them by userId alone, the end brings the result', () => {
  const live = createLiveState();
  const changed = live.apply([
    battle('started', { endsAt: NOW + 300_000, teams: [{ host: rival, score: 0, top: [] }, { host: maya, score: 0, top: [] }] }),
    battle('scores', { teams: [{ host: { userId: '44' }, score: 1500, top: [{ user: fan, score: 1000 }] }, { host: { userId: '43' }, score: 500 }] }),
  ]);
  assert.deepEqual([...changed], ['battle']);
  const running = battleView(live.battle, { creator: '@Maya.Sunny', now: NOW + 60_500 });
  assert.equal(running.running, true);
  assert.equal(running.secondsLeft, 240);
  assert.deepEqual(running.teams.map((team) => [team.name, team.score, team.own]), [['Maya', 1500, true], ['Rival', 500, false]]);
  assert.deepEqual(running.teams.map((team) => team.share), [75, 25]);
  assert.deepEqual(running.teams[0].top, [{ user: fan, score: 1000 }]);
  assert.deepEqual(running.teams[1].top, [], 'a team an event says nothing of keeps what it had');
  assert.equal(running.result, null);

  live.apply([battle('ended', { ts: NOW + 300_000, teams: [{ host: { userId: '44' }, score: 1500, top: [] }, { host: { userId: '43' }, score: 2000 }], result: { winner: '43' } })]);
  const ended = battleView(live.battle, { creator: 'maya.sunny', now: NOW + 301_000 });
  assert.deepEqual(ended.result, { outcome: 'lost', text: 'Lost', winner: 'Rival' });
  assert.equal(ended.running, false);
  assert.equal(ended.secondsLeft, null, 'no countdown once it ended');
  assert.equal(ended.endedAt, NOW + 300_000);
  assert.deepEqual(ended.teams[0].top, [{ user: fan, score: 1000 }], 'an end naming no supporters keeps them');
  assert.equal(battleView(live.battle, { creator: 'rival43' }).result.outcome, 'won', 'told from the other side');
});

test('a masked score is null: the bar stays even, a draw has no winner, a new battleId starts over', () => {
  const live = createLiveState();
  live.apply([battle('scores', { teams: [{ host: maya, score: 900 }, { host: rival, score: null }] })]);
  const masked = battleView(live.battle, { creator: 'maya.sunny', now: NOW });
  assert.equal(masked.masked, true);
  assert.deepEqual(masked.teams.map((team) => [team.score, team.masked, team.share]), [[900, false, 50], [null, true, 50]]);
  assert.equal(masked.secondsLeft, null, 'TikTok said no end');

  live.apply([battle('ended', { result: { winner: null } })]);
  assert.deepEqual(battleView(live.battle, { creator: 'maya.sunny' }).result, { outcome: 'drawn', text: 'Draw', winner: null });

  live.apply([{ type: 'battle', battleId: 'b2', phase: 'started', teams: [{ host: rival, score: 0 }] }]);
  const next = battleView(live.battle, { creator: 'someone.else' });
  assert.equal(next.battleId, 'b2');
  assert.deepEqual(next.teams.map((team) => team.name), ['Rival'], 'no side is the creator\'s: the first comes first');
  assert.deepEqual(next.teams.map((team) => team.share), [100]);
});

test('hostile or odd battle fields do not break the fold', () => {
  const live = createLiveState();
  live.apply([null, 'x', { type: 'battle' }, battle('nonsense', { teams: 'no', result: 'no', endsAt: 'soon' }),
    battle('scores', { teams: [null, { host: null, score: -5 }, { host: { userId: 7 }, score: '12', top: [null, { score: 'x' }] }] })]);
  const shown = battleView(live.battle, { now: NOW });
  assert.deepEqual(shown.teams.map((team) => team.score), [null, 12]);
  assert.deepEqual(shown.teams[1].top, [{ user: {}, score: null }]);
  assert.equal(shown.teams[1].user.userId, '7');
});

test('a poll: votes replace the options, shares and the lead, "final" once ended', () => {
  const live = createLiveState();
  live.apply([
    { type: 'poll', pollId: 'p1', phase: 'started', title: 'Next song?', options: [{ text: 'Rock', votes: 0 }, { text: 'Jazz', votes: 0 }], endsAt: NOW + 60_000 },
    { type: 'poll', pollId: 'p1', phase: 'votes', options: [{ text: 'Rock', votes: 3 }, { text: 'Jazz', votes: 1 }] },
  ]);
  const open = pollView(live.poll, { now: NOW + 15_000 });
  assert.equal(open.title, 'Next song?', 'kept from the start');
  assert.equal(open.total, 4);
  assert.deepEqual(open.options.map((o) => [o.text, o.votes, o.share, o.leads]), [['Rock', 3, 75, true], ['Jazz', 1, 25, false]]);
  assert.equal(open.secondsLeft, 45);
  live.apply([{ type: 'poll', pollId: 'p1', phase: 'votes', options: [{ votes: 4 }, { text: '', votes: 2 }] }]);
  assert.deepEqual(pollView(live.poll).options.map((o) => [o.text, o.votes]), [['Rock', 4], ['Jazz', 2]],
    'votes without their texts keep the start\'s, by position');
  live.apply([{ type: 'poll', pollId: 'p1', phase: 'votes', options: [{ text: 'Rock', votes: 3 }, { text: 'Jazz', votes: 1 }] }]);
  live.apply([{ type: 'poll', pollId: 'p1', phase: 'ended', ts: NOW + 60_000 }]);
  const closed = pollView(live.poll, { now: NOW + 61_000 });
  assert.equal(closed.running, false);
  assert.equal(closed.secondsLeft, null);
  assert.equal(closed.total, 4, 'an end without options keeps the votes');
  const empty = pollView({ ...live.poll, options: [{ text: 'A', votes: 0 }, { text: 'B', votes: 0 }] });
  assert.deepEqual(empty.options.map((o) => [o.share, o.leads]), [[0, false], [0, false]], 'no votes: nobody leads');
});

test('TikTok\'s goal: progress per target, reached, removed', () => {
  const live = createLiveState();
  live.apply([{ type: 'goal', goalId: 'g1', phase: 'set', description: 'Road to 1000', targets: [{ kind: 'gift', target: 1000, progress: 250 }] }]);
  assert.deepEqual(goalView(live.goal).targets, [{ kind: 'gift', target: 1000, progress: 250, share: 25 }]);
  assert.equal(goalView(live.goal).reached, false);
  live.apply([{ type: 'goal', goalId: 'g1', phase: 'progress', targets: [{ kind: 'gift', target: 1000, progress: 1200 }] }]);
  assert.equal(goalView(live.goal).targets[0].share, 100, 'capped at the target');
  assert.equal(goalView(live.goal).reached, true);
  assert.equal(goalView(live.goal).description, 'Road to 1000');
  const changed = live.apply([{ type: 'goal', goalId: 'g1', phase: 'removed' }]);
  assert.ok(changed.has('goal'));
  assert.equal(goalView(live.goal), null);
});

test('the pin, a deletion that takes the pinned line, the pause and the end', () => {
  const live = createLiveState();
  const line = { type: 'chat', messageId: '777', comment: 'hello', user: fan };
  live.apply([{ type: 'pin', messageId: '777', chat: line }]);
  assert.deepEqual(live.pin, { messageId: '777', chat: line });
  assert.equal(live.apply([{ type: 'chatDeleted', messageIds: ['778'], userIds: ['42'] }]).size, 0, 'another line: the pin stays');
  assert.deepEqual([...live.apply([{ type: 'chatDeleted', messageIds: [777], userIds: [] }])], ['pin']);
  assert.equal(live.pin, null);
  live.apply([{ type: 'pin', messageId: '777', chat: line }, { type: 'pin', messageId: '777', chat: null }]);
  assert.equal(live.pin, null, 'unpinned');

  assert.deepEqual([...live.apply([{ type: 'pause' }])], ['paused']);
  assert.equal(live.paused, true);
  assert.equal(live.apply([{ type: 'pause' }]).size, 0, 'paused twice is one pause');
  live.apply([{ type: 'resume' }]);
  assert.equal(live.paused, false);
  live.apply([{ type: 'pause' }, { type: 'end', reason: 'ended' }]);
  assert.equal(live.paused, false, 'an ended LIVE is not paused');
  live.reset();
  assert.deepEqual([live.battle, live.poll, live.goal, live.pin, live.paused], [null, null, null, null, false]);
});

test('a deletion takes chat lines by their messageId only', () => {
  const gone = deletionOf({ type: 'chatDeleted', messageIds: ['1', 2], userIds: ['42'] });
  assert.equal(gone({ type: 'chat', messageId: '1', user: fan }), true);
  assert.equal(gone({ type: 'chat', messageId: '2' }), true);
  assert.equal(gone({ type: 'chat', messageId: '3', user: fan }), false, 'the sender\'s other lines stay');
  assert.equal(gone({ type: 'chat' }), false, 'a line without an id');
  assert.equal(gone({ type: 'question', messageId: '1' }), false, 'chat lines only');
  assert.equal(deletionOf({ type: 'chat', messageIds: ['1'] }), null);
  assert.equal(deletionOf({ type: 'chatDeleted' })({ type: 'chat', messageId: 'undefined' }), false);
});

test('clocks, shares and lingering', () => {
  assert.deepEqual([0, 9, 65, 599, 3723].map(clockText), ['0:00', '0:09', '1:05', '9:59', '1:02:03']);
  assert.equal(secondsLeft(NOW + 1_001, NOW), 2, 'a started second counts');
  assert.equal(secondsLeft(NOW - 5_000, NOW), 0);
  assert.equal(secondsLeft(null, NOW), null);
  assert.deepEqual(shares([1, 3]), [25, 75]);
  assert.deepEqual(shares([0, 0, 0]).map(Math.round), [33, 33, 33]);
  assert.deepEqual(shares([]), []);
  assert.equal(lingerLeft(null, 30_000, NOW), null, 'running');
  assert.equal(lingerLeft(NOW, null, NOW + 999_999), null, 'no limit');
  assert.equal(lingerLeft(NOW, 30_000, NOW + 10_000), 20_000);
  assert.equal(lingerLeft(NOW, 30_000, NOW + 40_000), 0);
});
