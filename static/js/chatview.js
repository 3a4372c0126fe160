// What the chat list shows of each line: hidden when it does not match the search, its matches
// marked (search, keywords, mentions of the creator), and flagged as a question, a keyword line or a
// mention. Rows are decorated as the feed builds them (decorate), so new rows obey the search and the
// keywords in force; a new search or keyword list re-decorates the rows on screen (at most one
// frame's work: the feed keeps at most a few hundred rows).
//
// Row classes: is-question, has-keyword, is-mention, is-search-hit, is-filtered-out (hidden).

import { cleanQuery, createClassifier, matchesSearch, searchRanges } from './chatfilter.js';
import { h } from './dom.js';
import { requestFlush } from './frame.js';
import { highlight } from './highlight.js';

const FLAGS = [
  ['question', 'question'],
  ['keyword', 'keyword'],
  ['mention', 'mention'],
];

/**
 * list: the chat <ol>; status: an element that says how many lines match (hidden without a search,
 * and with no line to search); empty: an element shown when a search shows no line: none matches,
 * or there is none yet (the list is empty, or its new lines are held by a pause).
 */
export function createChatView(list, { status = null, empty = null } = {}) {
  const rows = new WeakMap(); // row -> {event, nick: the nickname as the row shows it}
  let classify = createClassifier();
  let query = '';

  /** {question, keyword: [ranges], mention: [ranges]} of a chat event's comment. */
  function classes(event) {
    return classify(event && event.comment);
  }

  function apply(row) {
    const entry = rows.get(row);
    if (!entry) return;
    const { event } = entry;
    const comment = String(event.comment ?? '');
    const c = classes(event);
    const on = { question: c.question, keyword: c.keyword.length > 0, mention: c.mention.length > 0 };
    row.classList.toggle('is-question', on.question);
    row.classList.toggle('has-keyword', on.keyword);
    row.classList.toggle('is-mention', on.mention);

    const match = matchesSearch(event, query);
    row.classList.toggle('is-filtered-out', !match);
    row.classList.toggle('is-search-hit', query !== '' && match);

    const text = row.querySelector('.chat-text');
    if (text) highlight(text, comment, { search: searchRanges(comment, query), keyword: c.keyword, mention: c.mention });
    const nick = row.querySelector('.nick');
    if (nick) highlight(nick, entry.nick, { search: searchRanges(entry.nick, query) });

    for (const old of row.querySelectorAll('.chat-flag')) old.remove();
    if (nick) {
      const flags = FLAGS.filter(([name]) => on[name]).map(([name, label]) => h('span', { className: `tag chat-flag chat-flag-${name}`, text: label }));
      nick.after(...flags);
    }
  }

  function count() {
    if (!status && !empty) return;
    let shown = 0;
    for (const row of list.children) if (!row.classList.contains('is-filtered-out')) shown += 1;
    const total = list.childElementCount;
    if (status) {
      status.hidden = query === '' || total === 0; // "0 of 0" says nothing
      status.dataset.shown = String(shown);
      status.dataset.total = String(total);
      status.textContent = `${shown} of ${total}`;
      status.title = `${shown} of the ${total} chat lines shown match`;
    }
    if (empty) {
      empty.hidden = !(query !== '' && shown === 0);
      if (!empty.hidden) {
        empty.textContent = total ? `No chat line here matches “${query}”.`
          : `No chat shown yet: lines with “${query}” will show here as they come.`;
      }
    }
  }

  function refresh() {
    for (const row of list.children) apply(row);
    count();
  }

  // Rows come and go (new lines, the oldest past the cap, lines TikTok deleted): the count follows.
  new MutationObserver(() => {
    if (query) requestFlush(count);
  }).observe(list, { childList: true });

  return {
    /** Decorate a chat row built from `event`, now and whenever the search or keywords change. */
    decorate(row, event) {
      if (!event || typeof event !== 'object') return row;
      const nick = row.querySelector('.nick');
      rows.set(row, { event, nick: nick ? nick.textContent : '' });
      apply(row);
      return row;
    },
    /** The chat's classes for an event under the keywords and creator in force. */
    classes,
    /** A new search ('' for none): applied in the next frame. */
    setQuery(value) {
      const next = cleanQuery(value);
      if (next === query) return;
      query = next;
      list.dataset.search = query ? 'true' : 'false';
      requestFlush(refresh);
    },
    get query() {
      return query;
    },
    /** New keywords or creator: re-decorate the rows in the next frame. */
    setMatch({ keywords, creator }) {
      classify = createClassifier({ keywords, creator });
      requestFlush(refresh);
    },
    count,
  };
}
