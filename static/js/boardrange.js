// The leaderboards' range (#boards-range, docs/dashboard.md "Insights"): "This live", the `leaderboards` events
// as they come, or "Last 30 days", the creator's lives of the last 30 days summed from the records
// (regulars.js fetchBoards), fetched when chosen and again every minute while shown. The live boards keep
// arriving meanwhile and show again at once when "This live" is chosen back. The PK supporters' board is this
// live's only: it is empty (hidden) over 30 days.

import { setText } from './dom.js';
import { failureText, fetchBoards } from './regulars.js';

export const DAYS = 30;
const REFRESH_MS = 60_000;
const NO_SUPPORTERS = { supporters: [] };

/**
 * group: the #boards-range element (buttons with data-range = live|days), or null (recording off: always live);
 * status: #boards-range-status; boards: leaderboards.js's {update, clear}; creator(): the creator shown.
 * Returns {live(payload), reset()}: the live boards' payloads go through `live`, a creator change through `reset`.
 */
export function createBoardRange(group, status, boards, creator) {
  let range = 'live';
  let latest = {}; // the live boards, as the `leaderboards` events left them
  let ticket = 0; // the newest fetch: an older one's answer (another creator's, another range) is dropped
  let timer = null;
  const buttons = group ? Array.from(group.querySelectorAll('button[data-range]')) : [];

  function say(text, state) {
    if (!status) return;
    setText(status, text);
    status.dataset.state = state;
    status.hidden = text === '';
  }

  async function loadDays() {
    window.clearTimeout(timer);
    timer = null;
    const mine = ++ticket;
    const username = creator();
    if (!username) {
      boards.clear();
      say('', 'idle');
      return;
    }
    say(`Loading the last ${DAYS} days…`, 'loading');
    const answer = await fetchBoards(username, DAYS);
    if (mine !== ticket || range !== 'days') return;
    if (answer.ok) {
      boards.update({ gifters: answer.gifters, chatters: answer.chatters, likers: answer.likers, ...NO_SUPPORTERS });
      say(`@${username}'s recorded lives of the last ${DAYS} days`, 'ready');
    } else {
      say(`Could not load the last ${DAYS} days. ${failureText(answer.error)}`, 'error');
    }
    timer = window.setTimeout(() => { if (range === 'days' && !document.hidden) loadDays(); else timer = null; }, REFRESH_MS);
  }

  function choose(next) {
    if (next === range) return;
    range = next;
    if (group) group.dataset.range = range;
    for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.range === range));
    if (range === 'days') {
      loadDays();
    } else {
      ticket += 1;
      window.clearTimeout(timer);
      timer = null;
      say('', 'idle');
      boards.clear();
      boards.update(latest);
    }
  }

  for (const button of buttons) button.addEventListener('click', () => choose(button.dataset.range));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && range === 'days' && timer === null) loadDays();
  });

  return {
    live(payload) {
      if (!payload || typeof payload !== 'object') return;
      latest = { ...latest, ...payload };
      if (range === 'live') boards.update(payload);
    },
    reset() {
      latest = {};
      boards.clear();
      if (range === 'days') loadDays();
    },
  };
}
