// The chat tools' pure parts in Node (`node --test tests/js/`; tests/test_chat_tools.py runs it):
// the search, questions, keywords and mentions (chatfilter.js), the speech queue with a fake clock
// and synthesizer (speech.js), and the gift alert rule (alerts.js).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createGiftAlertRule, giftValue } from '../../static/js/alerts.js';
import {
  MAX_KEYWORD_LENGTH, MAX_KEYWORDS, createClassifier, fold, isQuestion, matchesSearch, mentionRanges,
  parseKeywords, searchRanges, segments,
} from '../../static/js/chatfilter.js';
import { QUEUE_CAP, createSpeech, pickVoice, speakable, speechText, wantsSpeech } from '../../static/js/speech.js';

test('questions: a question mark at the end, or a question word first', () => {
  const yes = ['what time is it', 'Is this live', 'how’s it going', 'HOW are you', 'really?', 'really?! 😂😂 ',
    'you ok? 👍🏽', 'done?"', 'ok？', '¿qué tal', '@maya how do you do that', '🔥 why', 'can u sing', 'should i'];
  const no = ['', 'hello', 'Island vibes', 'whoever wins', 'this is it', 'whatever', 'canada!', 'wow ?!x', '? first'];
  for (const text of yes) assert.equal(isQuestion(text), true, text);
  for (const text of no) assert.equal(isQuestion(text), false, text);
});

test('mentions: @creator in any case, not part of a longer name', () => {
  assert.deepEqual(mentionRanges('hey @Maya.Sunny love it', 'maya.sunny'), [[4, 15]]);
  assert.deepEqual(mentionRanges('@MAYA.SUNNY. and @maya.sunny!', 'maya.sunny'), [[0, 11], [17, 28]]);
  for (const text of ['@maya.sunnyfan', '@maya.sunny.fan', 'me@maya.sunny', 'maya.sunny', '@maya_sunny']) {
    assert.deepEqual(mentionRanges(text, 'maya.sunny'), [], text);
  }
  assert.deepEqual(mentionRanges('@anyone', null), []);
});

test('keywords: trimmed, deduplicated, limited, and plain text', () => {
  const parsed = parseKeywords(' Pizza ,pizza\n\n <b>bold</b> , .*,\r\n(a|b)  ');
  assert.deepEqual(parsed.keywords, ['Pizza', '<b>bold</b>', '.*', '(a|b)']);
  assert.equal(parsed.duplicates, 1);

  const many = Array.from({ length: MAX_KEYWORDS + 7 }, (_, i) => `k${i}`);
  const long = 'x'.repeat(MAX_KEYWORD_LENGTH + 1);
  const limited = parseKeywords([...many, long, 'é'.repeat(MAX_KEYWORD_LENGTH)].join(','));
  assert.equal(limited.keywords.length, MAX_KEYWORDS);
  assert.equal(limited.overLimit, 8);
  assert.deepEqual(limited.tooLong, [long]);

  const classify = createClassifier({ keywords: ['<b>bold</b>', '.*', '(a|b)', 'PIZZA'], creator: 'maya' });
  assert.deepEqual(classify('a.*b, <B>BOLD</B> and (a|b) pizza').keyword, [[1, 3], [6, 17], [22, 27], [28, 33]]);
  assert.deepEqual(classify('abc bold <b> a b pizz').keyword, [], 'no pattern, no markup: only the text itself');
});

test('search: any case, plain text, over comment, nickname and username', () => {
  const event = { comment: 'Where is the (GIVEAWAY)?', user: { nickname: 'Lina Cookie', uniqueId: 'lina.c' } };
  for (const query of ['giveaway', '(give', 'COOKIE', 'lina.c', '@lina', '  where ', '']) {
    assert.equal(matchesSearch(event, query), true, query);
  }
  for (const query of ['.*', 'giveaways', '@cookie', 'x']) assert.equal(matchesSearch(event, query), false, query);
  assert.deepEqual(searchRanges('a.*b A.*B', '.*'), [[1, 3], [6, 8]]);
  assert.equal(fold('İSTANBUL').length, 'İSTANBUL'.length, 'offsets stay valid');
  assert.deepEqual(searchRanges('İSTANBUL istanbul', 'stan'), [[1, 5], [10, 14]]);
});

test('segments: overlapping layers cut into runs', () => {
  assert.deepEqual(segments('hello pizza world', { search: [[6, 11]], keyword: [[0, 8]] }), [
    { text: 'hello ', kinds: ['keyword'] },
    { text: 'pi', kinds: ['search', 'keyword'] },
    { text: 'zza', kinds: ['search'] },
    { text: ' world', kinds: [] },
  ]);
  assert.deepEqual(segments('plain', { search: [], keyword: [] }), [{ text: 'plain', kinds: [] }]);
  assert.deepEqual(segments('', { search: [] }), [{ text: '', kinds: [] }]);
});

test('speech: what each mode reads, and how it sounds', () => {
  const question = { question: true, keyword: [], mention: [] };
  const keyword = { question: false, keyword: [[0, 1]], mention: [] };
  const plain = { question: false, keyword: [], mention: [] };
  assert.deepEqual(['off', 'all', 'questions', 'keywords'].map((m) => [question, keyword, plain].map((c) => wantsSpeech(m, c))),
    [[false, false, false], [true, true, true], [true, false, false], [false, true, false]]);
  assert.equal(speechText({ comment: 'how are you?? 😂 https://x.co/a', user: { nickname: 'Lina 🔥' } }, question),
    'Lina asks: how are you?? link');
  assert.equal(speechText({ comment: '🔥🔥🔥', user: { nickname: 'Lina' } }, plain), '', 'nothing left to say');
  assert.equal(speakable('loooooool!!!!!'), 'loool!!!');
  assert.equal(Array.from(speakable('a'.repeat(500).split('').join(' '))).length, 201);
  assert.equal(pickVoice([{ lang: 'en-US', localService: false }, { lang: 'en-GB', localService: true }], 'en-US').lang, 'en-GB');
  assert.equal(pickVoice([], 'en-US'), null);
});

/** A fake speechSynthesis: records what is spoken; `finish()` ends the current line. */
function fakeSynth() {
  const synth = {
    spoken: [],
    cancelled: 0,
    current: null,
    speak(u) {
      synth.spoken.push(u.text);
      synth.current = u;
    },
    cancel() {
      synth.cancelled += 1;
      const u = synth.current;
      synth.current = null;
      if (u) u.onerror({ error: 'canceled' });
    },
    getVoices: () => [],
    finish() {
      const u = synth.current;
      synth.current = null;
      u.onend({});
    },
  };
  return synth;
}

function fakeClock() {
  const clock = { t: 0, timers: new Map(), next: 1 };
  clock.now = () => clock.t;
  clock.setTimer = (fn, ms) => {
    const id = clock.next++;
    clock.timers.set(id, { fn, at: clock.t + ms });
    return id;
  };
  clock.clearTimer = (id) => clock.timers.delete(id);
  clock.advance = (ms) => {
    clock.t += ms;
    for (const [id, timer] of Array.from(clock.timers)) {
      if (timer.at <= clock.t && clock.timers.delete(id)) timer.fn();
    }
  };
  return clock;
}

class Utterance {
  constructor(text) {
    this.text = text;
  }
}

test('speech queue: one line at a time, at most N a minute, the newest few kept', () => {
  const synth = fakeSynth();
  const clock = fakeClock();
  const speech = createSpeech({ synth, Utterance, perMinute: 3, lang: 'en', ...clock });
  speech.offer('not allowed yet');
  assert.deepEqual(synth.spoken, [], 'nothing before the user allows it');
  speech.setAllowed(true);

  for (let i = 1; i <= 10; i += 1) speech.offer(`line ${i}`);
  assert.deepEqual(synth.spoken, ['line 1'], 'one at a time');
  assert.equal(speech.queued, QUEUE_CAP, 'the queue is capped');
  synth.finish();
  synth.finish();
  assert.deepEqual(synth.spoken, ['line 1', 'line 6', 'line 7'], 'the oldest were dropped');
  synth.finish();
  assert.equal(speech.speaking, false);
  assert.equal(speech.queued, 3, 'three lines started this minute: the rest waits');

  clock.advance(59_000);
  assert.equal(synth.spoken.length, 3);
  clock.advance(1_100);
  assert.deepEqual(synth.spoken.slice(3), ['line 8'], 'a minute after the first, the next');
  synth.finish();
  assert.deepEqual(synth.spoken.slice(3), ['line 8', 'line 9']);
  assert.equal(speech.queued, 1);

  speech.cancel(); // "silence all": the voice stops, the queue empties
  assert.equal(speech.queued, 0);
  assert.equal(speech.speaking, false);
  assert.ok(synth.cancelled >= 1);
  clock.advance(120_000);
  assert.deepEqual(synth.spoken.slice(5), [], 'nothing after cancel');

  speech.setAllowed(false);
  speech.offer('silenced');
  assert.equal(speech.queued, 0);
});

test('speech queue: a line whose end never comes is given up', () => {
  const synth = fakeSynth();
  const clock = fakeClock();
  const speech = createSpeech({ synth, Utterance, perMinute: 10, lang: 'en', ...clock });
  speech.setAllowed(true);
  speech.offer('stuck');
  speech.offer('next');
  clock.advance(8_100);
  assert.deepEqual(synth.spoken, ['stuck', 'next']);
});

test('gift alerts: once per gift at the threshold, one per streak', () => {
  const rule = createGiftAlertRule();
  const gift = (fields) => ({ type: 'gift', user: { userId: '7' }, giftId: 1, diamondCount: 30, repeatCount: 1, streaking: false, ...fields });
  assert.equal(rule.offer(gift({ diamondCount: 99 }), 100), null);
  assert.deepEqual(rule.offer(gift({ diamondCount: 100 }), 100), { action: 'new', key: '7:1' });
  assert.equal(giftValue(gift({ repeatCount: 4 })), 120);

  // a streak of 30-diamond gifts: below the threshold at 3, an alert at 4, updated after
  assert.equal(rule.offer(gift({ repeatCount: 1, streaking: true }), 100), null);
  assert.equal(rule.offer(gift({ repeatCount: 3, streaking: true }), 100), null);
  assert.deepEqual(rule.offer(gift({ repeatCount: 4, streaking: true }), 100), { action: 'new', key: '7:1' });
  assert.deepEqual(rule.offer(gift({ repeatCount: 5, streaking: true }), 100), { action: 'update', key: '7:1' });
  assert.deepEqual(rule.offer(gift({ repeatCount: 6 }), 100), { action: 'update', key: '7:1' });
  // a streak that only reaches the threshold at its end alerts then; one that never does, never
  assert.equal(rule.offer(gift({ giftId: 2, repeatCount: 2, streaking: true }), 100), null);
  assert.deepEqual(rule.offer(gift({ giftId: 2, repeatCount: 4 }), 100), { action: 'new', key: '7:2' });
  assert.equal(rule.offer(gift({ giftId: 3, repeatCount: 2, streaking: true }), 100), null);
  assert.equal(rule.offer(gift({ giftId: 3, repeatCount: 3 }), 100), null);
  assert.equal(rule.offer({ type: 'chat' }, 100), null);
});
