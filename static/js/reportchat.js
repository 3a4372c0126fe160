// A live's report: its chat's search and next pages, through the events API
// (GET /api/streams/<id>/events?types=chat&q=&after=&limit=) instead of reloading the page. The
// page works without it: the search form and the "More chat" link are plain GET requests. Rows
// are the dashboard's chat rows (rows.js, without viewer-card links), a deleted line marked; the text
// searched for is marked in every row (highlight.js).
//
// For a live still running (reportlive.js) it says whether the reader is at the newest page (no
// search, no page left to load), takes the newest lines at the end, and goes to the newest.

import { searchRanges } from './chatfilter.js';
import { h } from './dom.js';
import { highlight } from './highlight.js';
import { chatRow } from './rows.js';

const PAGE_SIZE = 100;
const CATCH_UP_PAGE_SIZE = 1000; // the events API's most: the pages up to the newest, fewer requests
const SEARCH_DELAY_MS = 250;
const END_SLACK_PX = 8; // this close to the end of a list counts as its end

/** The last row's seq in `list`, else the page address's `param` (the page's own cursor), else null. */
export function lastSeq(list, param) {
  const last = list.lastElementChild;
  if (last && last.dataset.seq) return last.dataset.seq;
  return new URL(window.location.href).searchParams.get(param) || null;
}

/**
 * A chat row of the dashboard (without viewer-card links); a line TikTok deleted, which the record keeps
 * with `deleted: true`, is marked as templates/_records.html marks it.
 */
function reportChatRow(event) {
  const row = chatRow(event, { links: false });
  if (event.messageId !== undefined && event.messageId !== null) row.dataset.messageId = String(event.messageId);
  if (event.deleted) markDeleted(row);
  return row;
}

function markDeleted(row) {
  if (row.dataset.deleted === 'true') return;
  row.classList.add('is-deleted');
  row.dataset.deleted = 'true';
  const tag = h('span', { className: 'tag tag-deleted', text: 'deleted', attrs: { title: 'TikTok deleted this line (moderation)' } });
  row.querySelector('.row-time').before(tag);
}

/** Add rows at the end of a feed's list; a list scrolled to its end stays there (it follows the newest). */
export function appendRows(list, rows) {
  if (rows.length === 0) return;
  const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight <= END_SLACK_PX;
  list.append(...rows);
  if (atEnd && list.scrollTop > 0) list.scrollTop = list.scrollHeight;
}

/**
 * els: {form, input, list, more, status}: the search form and its box, the chat <ol>, the "More
 * chat" link (data-after: the next page's cursor) and the line that says what is shown. Returns
 * {atNewest(), lastSeq(), markDeleted(messageIds), append(events), showNewest()}.
 */
export function createReportChat(liveId, { form, input, list, more, status }) {
  let query = input.value.trim();
  let after = more.dataset.after || null;
  let inFlight = null; // the AbortController of the request under way
  let timer = null;

  function mark(row) {
    const text = row.querySelector('.chat-text');
    if (!text) return;
    const comment = text.textContent;
    highlight(text, comment, { search: searchRanges(comment, query) });
    row.classList.toggle('is-search-hit', Boolean(query));
  }

  function rowsOf(events) {
    const rows = events.map(reportChatRow);
    rows.forEach(mark);
    return rows;
  }

  function pageUrl(api, limit = PAGE_SIZE) {
    const params = new URLSearchParams();
    if (api) params.set('types', 'chat');
    if (query) params.set('q', query);
    if (after) params.set('after', after);
    if (api) params.set('limit', String(limit));
    const qs = params.toString();
    return api ? `/api/streams/${liveId}/events?${qs}` : `${window.location.pathname}${qs ? `?${qs}` : ''}`;
  }

  function say(text, state = 'ok') {
    status.textContent = text;
    status.dataset.state = state;
  }

  /** One page (`fresh`: the first); true once shown, false when it failed or another load replaced it. */
  async function load(fresh, limit = PAGE_SIZE) {
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    if (fresh) after = null;
    list.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(pageUrl(true, limit), { signal: controller.signal, headers: { Accept: 'application/json' } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
      const rows = rowsOf(body.events);
      if (fresh) list.replaceChildren(...rows);
      else list.append(...rows);
      after = body.next === null || body.next === undefined ? null : String(body.next);
      more.hidden = after === null;
      more.dataset.after = after || '';
      more.href = `${pageUrl(false)}#chat`;
      const shown = list.childElementCount;
      say(query ? `${shown.toLocaleString()} lines with “${query}”${after ? ', more below' : ''}` : '');
      if (fresh) {
        const address = new URL(window.location.href);
        if (query) address.searchParams.set('q', query);
        else address.searchParams.delete('q');
        address.searchParams.delete('after');
        window.history.replaceState(null, '', address);
      }
      return true;
    } catch (error) {
      if (error.name !== 'AbortError') say(`The chat could not be loaded: ${error.message}`, 'error');
      return false;
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        list.removeAttribute('aria-busy');
      }
    }
  }

  function search() {
    clearTimeout(timer);
    const next = input.value.trim();
    if (next === query) return;
    query = next;
    load(true);
  }

  list.querySelectorAll('.chat-row').forEach(mark);
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, SEARCH_DELAY_MS);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    search();
  });
  more.addEventListener('click', (e) => {
    e.preventDefault();
    load(false);
  });

  return {
    /** The reader sees the chat's end: no search (nor one being typed), no page left, none loading. */
    atNewest() {
      return !query && !input.value.trim() && after === null && !inFlight;
    },
    /** The seq the newest lines come after: the last row's, else the page's own `after`, else null. */
    lastSeq() {
      return lastSeq(list, 'after');
    },
    /** TikTok deleted the lines of these messageIds (a chatDeleted event's): their rows shown are marked. */
    markDeleted(messageIds) {
      const ids = new Set(messageIds.map(String));
      for (const row of list.querySelectorAll('.chat-row[data-message-id]')) {
        if (ids.has(row.dataset.messageId)) markDeleted(row);
      }
    },
    /** Chat events newer than every row (oldest first), at the end. */
    append(events) {
      appendRows(list, rowsOf(events));
    },
    /** Without the search, every page up to the newest, and the list scrolled to its end. */
    async showNewest() {
      clearTimeout(timer);
      const fresh = Boolean(query || input.value.trim());
      input.value = '';
      query = '';
      let ok = fresh ? await load(true, CATCH_UP_PAGE_SIZE) : true;
      while (ok && after !== null) ok = await load(false, CATCH_UP_PAGE_SIZE);
      if (ok) list.scrollTop = list.scrollHeight;
    },
  };
}
