// A live's report: its chat's search and next pages, through the events API
// (GET /api/streams/<id>/events?types=chat&q=&after=&limit=) instead of reloading the page. The
// page works without it: the search form and the "More chat" link are plain GET requests. Rows
// are the dashboard's chat rows (rows.js, without viewer-card links); the text searched for is
// marked in every row (highlight.js).

import { searchRanges } from './chatfilter.js';
import { highlight } from './highlight.js';
import { chatRow } from './rows.js';

const PAGE_SIZE = 100;
const SEARCH_DELAY_MS = 250;

/**
 * els: {form, input, list, more, status}: the search form and its box, the chat <ol>, the "More
 * chat" link (data-after: the next page's cursor) and the line that says what is shown.
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

  function pageUrl(api) {
    const params = new URLSearchParams();
    if (api) params.set('types', 'chat');
    if (query) params.set('q', query);
    if (after) params.set('after', after);
    if (api) params.set('limit', String(PAGE_SIZE));
    const qs = params.toString();
    return api ? `/api/streams/${liveId}/events?${qs}` : `${window.location.pathname}${qs ? `?${qs}` : ''}`;
  }

  function say(text, state = 'ok') {
    status.textContent = text;
    status.dataset.state = state;
  }

  async function load(fresh) {
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    if (fresh) after = null;
    list.setAttribute('aria-busy', 'true');
    try {
      const response = await fetch(pageUrl(true), { signal: controller.signal, headers: { Accept: 'application/json' } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
      const rows = body.events.map((event) => chatRow(event, { links: false }));
      rows.forEach(mark);
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
    } catch (error) {
      if (error.name === 'AbortError') return;
      say(`The chat could not be loaded: ${error.message}`, 'error');
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
}
