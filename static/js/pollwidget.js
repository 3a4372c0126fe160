// A poll, drawn from livestate.js's pollView: its question, each option with its votes and its share as a
// bar (the leading ones marked), the votes in all, and the countdown to its close (or "final" once it
// closed). The dashboard's poll card (livecards.js) and the overlay's poll widget (overlay.js) both draw
// it here. Text goes in with textContent only (dom.js).
//
// Hooks: the element gets data-poll-id, data-phase and data-total; each `.poll-option` data-votes,
// data-share and data-leads; `.poll-clock` data-seconds.

import { h, setText } from './dom.js';
import { formatCount, formatExact } from './format.js';
import { clockText, pollView } from './livestate.js';
import { createLiveWidget } from './livewidget.js';

function optionEl(option) {
  const fill = h('span', { className: 'poll-fill' });
  fill.style.width = `${option.share}%`;
  return h('li', { className: option.leads ? 'poll-option is-leading' : 'poll-option', dataset: { votes: option.votes, share: option.share.toFixed(1), leads: option.leads } },
    fill,
    h('span', { className: 'poll-text', text: option.text || '—' }),
    h('span', { className: 'poll-votes num', text: `${formatCount(option.votes).text} · ${Math.round(option.share)}%`, attrs: { title: `${formatExact(option.votes)} ${option.votes === 1 ? 'vote' : 'votes'}` } }));
}

/** el: the element to draw into (emptied and hidden while there is no poll); lingerMs: a closed poll shows
 * this long after it closed (null: until the next). Returns {show(poll)}. */
export function createPollWidget(el, { lingerMs = null } = {}) {
  let poll = null;

  function fill(shown) {
    Object.assign(el.dataset, { pollId: shown.pollId, phase: shown.phase, total: String(shown.total) });
    el.replaceChildren(
      h('header', { className: 'poll-head' },
        h('span', { className: 'poll-label', text: 'Poll' }),
        h('span', { className: 'poll-clock num', attrs: { title: shown.running ? 'Time left' : 'The poll closed' } })),
      h('p', { className: 'poll-title', text: shown.title || 'Poll' }),
      h('ol', { className: 'poll-options' }, ...shown.options.map(optionEl)),
      h('p', { className: 'poll-total num', text: `${formatExact(shown.total)} ${shown.total === 1 ? 'vote' : 'votes'}` }),
    );
  }

  /** The countdown ("open" when TikTok said no end, "final" once closed), while the poll is open. */
  function clock(shown) {
    const shownClock = el.querySelector('.poll-clock');
    shownClock.dataset.seconds = shown.secondsLeft === null ? '' : String(shown.secondsLeft);
    if (!shown.running) setText(shownClock, 'final');
    else setText(shownClock, shown.secondsLeft === null ? 'open' : clockText(shown.secondsLeft));
    return shown.running && Boolean(shown.secondsLeft);
  }

  const widget = createLiveWidget(el, { view: () => pollView(poll, { now: Date.now() }), fill, clock, lingerMs });

  return {
    /** Draw this poll (livestate.js's), or nothing (null). */
    show(next) {
      poll = next;
      widget.draw();
    },
  };
}
