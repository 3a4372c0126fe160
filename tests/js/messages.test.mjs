// The sentences shown for the contract's errors (messages.js), in Node (`node --test tests/js/`;
// tests/test_chat_tools.py runs it).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { errorMessage } from '../../static/js/messages.js';

test('a stream\'s upstream_error says the server\'s reason, then that it retries', () => {
  const error = { code: 'upstream_error', message: 'Cannot reach TikTok: the connection was refused. Check the internet connection of the computer running Live Assistant' };
  assert.equal(errorMessage(error, { username: 'someone', context: 'stream' }),
    'Cannot reach TikTok: the connection was refused. Check the internet connection of the computer running Live Assistant. Retrying by itself.');
  assert.equal(errorMessage({ code: 'upstream_error', message: 'Cannot reach TikTok: it did not answer in time?' }, { context: 'stream' }),
    'Cannot reach TikTok: it did not answer in time? Retrying by itself.');
});

test('an upstream_error without a message falls back to the general sentence', () => {
  for (const message of [undefined, '', '   ', 42]) {
    assert.equal(errorMessage({ code: 'upstream_error', message }, { username: 'someone', context: 'stream' }),
      'The connection to TikTok for @someone failed. Retrying by itself.');
  }
  assert.equal(errorMessage({ code: 'upstream_error', message: 'x' }, { username: 'someone' }),
    'Could not reach TikTok for @someone. Try again in a moment.', 'the answer to a request stays as it was');
});
