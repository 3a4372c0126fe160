// A live's report while the live still runs (report.js starts this when #report has data-status="live"):
// every data-refresh-seconds of #report (10 s when absent) the page asks /api/streams/<id> and puts
// in place the totals (metrics.js, exact as the server writes them; the chat's count too), the
// leaderboards that changed (leaderboards.js) and the charts' whole series (charts.js); then the chat
// and the gifts newer than the last rows shown (/api/streams/<id>/events?types=...&after=<seq>), in
// the dashboard's rows (rows.js), and TikTok's deletions (chatDeleted), which mark the lines shown as
// deleted (reportchat.js). New chat goes at the end only while the reader sees the chat's end
// (reportchat.js: no search, no page left to load); otherwise a button says how many lines came ("12
// new lines", from the comments' total) and shows them when clicked. The gifts take new rows while
// there is no "More gifts" page.
//
// Once the live has ended, its status badge and its "when" line (end time, length, reason) are taken
// from the page as the server writes it now, and refreshing stops. One request at a time; none while
// the tab is hidden (the next one on coming back, when due); a failed round leaves the page as it
// was, says so quietly under the "when" line, and the next round tries again.

import { h, setText } from './dom.js';
import { formatExact, toCount } from './format.js';
import { createLeaderboards } from './leaderboards.js';
import { showLocalTimes } from './localtime.js';
import { createMetrics } from './metrics.js';
import { appendRows, lastSeq } from './reportchat.js';
import { giftKey, giftRow } from './rows.js';

const DEFAULT_SECONDS = 10;
const EVENTS_LIMIT = 1000; // the events API's most: a busy live's few seconds in one request
const TIMEOUT_MS = 20_000; // a request with no answer by then counts as failed

const byId = (id) => document.getElementById(id);

function readJson(id) {
  const el = byId(id);
  try {
    return el ? JSON.parse(el.textContent) : null;
  } catch {
    return null;
  }
}

async function fetchOk(url, accept) {
  const response = await fetch(url, { headers: { Accept: accept }, cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!response.ok) {
    const body = accept === 'application/json' ? await response.json().catch(() => ({})) : {};
    throw new Error(body.message || `HTTP ${response.status}`);
  }
  return response;
}

async function getJson(url) {
  return (await fetchOk(url, 'application/json')).json();
}

/** The report has no viewer card: names are plain text; its numbers are exact, as the server writes them. */
function reportGiftRow(event) {
  return giftRow(event, giftKey(event), { links: false, compact: false });
}

/**
 * report: #report (data-live-id, data-refresh-seconds); charts: charts.js's, showing `series`;
 * chat: reportchat.js's.
 */
export function refreshReport(report, { charts, series, chat }) {
  const liveId = report.dataset.liveId;
  const seconds = Number(report.dataset.refreshSeconds) > 0 ? Number(report.dataset.refreshSeconds) : DEFAULT_SECONDS;
  const metrics = createMetrics(document, { compact: false }); // exact, as the server wrote the page
  const boards = createLeaderboards(
    { gifters: byId('board-gifters'), chatters: byId('board-chatters'), likers: byId('board-likers'),
      supporters: byId('board-supporters') },
    { links: false, compact: false });
  const giftList = byId('gift-feed');

  // What the page shows (as JSON), so that only what changed is drawn again.
  const shownBoards = {};
  for (const [name, entries] of Object.entries(readJson('report-leaderboards') || {})) {
    shownBoards[name] = JSON.stringify(entries);
  }
  let shownPoints = JSON.stringify((series && series.points) || []);
  // The comments' total when the reader last had the newest lines (the page's, at first).
  let seenComments = toCount(byId('metric-comments').dataset.value);
  let comments = seenComments;
  let giftsAfter = lastSeq(giftList, 'gifts_after');
  let deletionsAfter = null; // the last chatDeleted event seen

  const note = h('button', {
    className: 'feed-more report-new',
    attrs: { type: 'button', id: 'chat-new', 'data-testid': 'chat-new', hidden: '' },
  });
  byId('chat-more').after(note);
  const status = h('p', {
    className: 'report-refresh',
    attrs: { id: 'report-refresh', 'data-testid': 'report-refresh', 'aria-live': 'polite' },
  });
  report.querySelector('.report-when').after(status);

  function say(text, state = 'ok') {
    status.textContent = text;
    status.dataset.state = state;
  }

  function show(live) {
    metrics.update(live.metrics);
    const changed = {};
    for (const [name, entries] of Object.entries(live.leaderboards || {})) {
      const key = JSON.stringify(entries);
      if (shownBoards[name] === key) continue;
      shownBoards[name] = key;
      changed[name] = entries;
    }
    boards.update(changed);
    const points = JSON.stringify((live.series && live.series.points) || []);
    if (points !== shownPoints) {
      shownPoints = points;
      charts.replace(live.series);
    }
  }

  function eventsUrl(type, after) {
    const params = new URLSearchParams({ types: type, limit: String(EVENTS_LIMIT) });
    if (after) params.set('after', after);
    return `/api/streams/${liveId}/events?${params}`;
  }

  async function newChat() {
    if (!chat.atNewest()) {
      const count = Math.max(0, comments - seenComments);
      note.hidden = count === 0;
      note.textContent = `${formatExact(count)} new ${count === 1 ? 'line' : 'lines'}`;
      note.title = 'Show the chat up to its newest lines (without the search)';
      return;
    }
    const after = chat.lastSeq();
    const page = await getJson(eventsUrl('chat', after));
    // the reader searched or paged meanwhile: the next round asks again
    if (chat.atNewest() && chat.lastSeq() === after) chat.append(page.events);
    seenComments = comments;
    note.hidden = true;
  }

  /** TikTok's deletions since the last round (all of the live's at first): the lines shown get their mark. */
  async function newDeletions() {
    const page = await getJson(eventsUrl('chatDeleted', deletionsAfter));
    if (!page.events.length) return;
    deletionsAfter = String(page.events[page.events.length - 1].seq);
    chat.markDeleted(page.events.flatMap((event) => event.messageIds || []));
  }

  async function newGifts() {
    if (byId('gift-more')) return; // an earlier page of gifts: its next page has the new ones
    const page = await getJson(eventsUrl('gift', giftsAfter));
    if (page.events.length) giftsAfter = String(page.events[page.events.length - 1].seq);
    const whole = page.events.filter((event) => !event.streaking); // a streak: one row, at its end
    appendRows(giftList, whole.map(reportGiftRow));
  }

  /** The badge and the "when" line as the server writes them for an ended live (formatting.py's words). */
  async function showEnd() {
    const html = await (await fetchOk(window.location.pathname, 'text/html')).text();
    const page = new DOMParser().parseFromString(html, 'text/html');
    const fresh = ['#report-status', '.report-when'].map((sel) => [document.querySelector(sel), page.querySelector(sel)]);
    if (fresh.some(([, el]) => !el)) throw new Error('the page has no status line');
    for (const [old, el] of fresh) old.replaceWith(document.adoptNode(el));
    showLocalTimes(report.querySelector('.report-head'));
    report.dataset.status = 'ended';
    delete report.dataset.refreshSeconds;
  }

  let timer = null;
  let busy = false;
  let ended = false; // the live ended: its header is left to show, then refreshing stops
  let stopped = false;
  let lastRound = performance.now();

  function schedule(delay = seconds * 1000) {
    clearTimeout(timer);
    timer = stopped || document.hidden ? null : setTimeout(round, delay);
  }

  async function round() {
    timer = null;
    if (busy || stopped) return;
    busy = true;
    lastRound = performance.now();
    try {
      if (!ended) {
        const live = await getJson(`/api/streams/${liveId}`);
        show(live);
        comments = toCount(live.metrics && live.metrics.totalComments);
        setText(byId('chat-count'), formatExact(comments));
        await newChat();
        await newDeletions();
        await newGifts();
        ended = live.status !== 'live';
      }
      if (ended) {
        await showEnd();
        stopped = true;
        document.removeEventListener('visibilitychange', onVisibility);
      }
      say('');
    } catch (error) {
      const reason = error.name === 'TimeoutError' ? 'no answer' : error.message;
      say(`Not updated (${reason}); trying again in ${seconds} s.`, 'error');
    } finally {
      busy = false;
      schedule();
    }
  }

  function onVisibility() {
    if (document.hidden) schedule(); // hidden: no timer
    else if (!busy) schedule(Math.max(0, lastRound + seconds * 1000 - performance.now()));
  }

  note.addEventListener('click', () => {
    note.hidden = true;
    seenComments = comments;
    chat.showNewest();
  });
  document.addEventListener('visibilitychange', onVisibility);
  schedule();
}
