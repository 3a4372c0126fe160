// "Feature on stream" in the dashboard's chat (docs/dashboard.md): each chat line carries a button that puts it
// on the creator's overlays (their `featured` widget, docs/overlays.md) with the Socket.IO `feature
// {messageId}`. The line on stream shows above the chat (#chat-featured) with "Stop featuring" (`unfeature`);
// its row is marked (.is-featured) and its button then stops featuring it. What is featured comes from the
// server's `featured` event, so every tab of every moderator shows the same; the line stays there as long as
// the server keeps it for the overlays (`until`), timed with its `age`, never by this computer's clock against
// the server's. A refusal (the line is gone, TikTok deleted it, too many) is said in the strip, as text.
//
// Elements: #chat-featured (data-state = featured|error, data-message-id; hidden when neither) with
// .featured-label, .featured-line (.nick, .featured-text), #chat-featured-stop, .featured-error.

import { h } from './dom.js';
import { deletionOf } from './livestate.js';

const ERROR_SHOWN_MS = 6000;
const FEATURE_LABEL = 'Feature on stream';
const STOP_LABEL = 'Stop featuring';

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

/**
 * list: the chat <ol>; strip: #chat-featured; request: {feature(messageId), unfeature(messageId)} (the
 * connection's, resolving to acks). Returns {decorate(row, event), show(featured), events(events), reset()}.
 */
export function createFeaturing({ list, strip, request }) {
  let current = null; // the chat event featured now
  let expiry = null;
  let errorTimer = null;

  function buttonFor(row) {
    return row.querySelector(':scope .feature-button');
  }

  function markRow(row) {
    const on = current !== null && row.dataset.messageId === String(current.messageId);
    row.classList.toggle('is-featured', on);
    const button = buttonFor(row);
    if (!button) return;
    button.textContent = on ? 'Stop' : 'Feature';
    button.setAttribute('aria-label', on ? STOP_LABEL : FEATURE_LABEL);
    button.title = on ? 'Take this line off the overlays' : 'Show this line on the creator\'s overlays';
    button.setAttribute('aria-pressed', String(on));
  }

  function markRows() {
    for (const row of list.querySelectorAll(':scope > li[data-message-id]')) markRow(row);
  }

  function render() {
    window.clearTimeout(errorTimer);
    strip.hidden = current === null;
    if (current === null) {
      strip.replaceChildren();
      delete strip.dataset.state;
      delete strip.dataset.messageId;
      return;
    }
    const stop = h('button', { className: 'button button-small featured-stop', text: STOP_LABEL, attrs: { type: 'button', id: 'chat-featured-stop' } });
    stop.addEventListener('click', () => act(null, stop));
    strip.dataset.state = 'featured';
    strip.dataset.messageId = String(current.messageId);
    strip.replaceChildren(
      h('span', { className: 'featured-label', text: 'On stream' }),
      h('p', { className: 'featured-line' },
        h('span', { className: 'nick', text: nameOf(current.user) }),
        h('span', { className: 'featured-text', text: current.comment ?? '' })),
      stop);
  }

  function showError(message) {
    window.clearTimeout(errorTimer);
    strip.hidden = false;
    strip.dataset.state = 'error';
    strip.replaceChildren(h('p', { className: 'featured-error', attrs: { role: 'alert' }, text: message }));
    errorTimer = window.setTimeout(render, ERROR_SHOWN_MS);
  }

  function set(event, forMs) {
    window.clearTimeout(expiry);
    current = event;
    expiry = event === null ? null : window.setTimeout(() => set(null), forMs);
    render();
    markRows();
  }

  /** Feature `messageId` (null: stop featuring the current line); `button` is busy meanwhile. */
  async function act(messageId, button) {
    button.disabled = true;
    try {
      const ack = messageId === null
        ? await request.unfeature(current ? String(current.messageId) : null)
        : await request.feature(messageId);
      if (!ack.ok) showError(`Could not ${messageId === null ? 'stop featuring' : 'feature'} it: ${ack.error.message}`);
      else if (ack.featured) show(ack.featured);
      else if (messageId === null) set(null);
    } finally {
      button.disabled = false;
      if (button.isConnected) button.focus();
    }
  }

  function show(featured) {
    const event = featured && featured.event;
    if (!event || typeof event !== 'object') {
      set(null);
      return;
    }
    const left = (Number(featured.until) - Number(featured.at)) - Math.max(0, Number(featured.age) || 0);
    if (left > 0) set(event, left);
    else set(null);
  }

  list.addEventListener('click', (e) => {
    const button = e.target.closest('.feature-button');
    if (!button || !list.contains(button)) return;
    const row = button.closest('li');
    const featuring = !(current && row.dataset.messageId === String(current.messageId));
    act(featuring ? row.dataset.messageId : null, button);
  });

  return {
    /** Give a chat row built from `event` its button (a line TikTok gave no messageId cannot be featured). */
    decorate(row, event) {
      if (!row || !event || event.type !== 'chat' || !event.messageId) return row;
      row.dataset.messageId = String(event.messageId);
      const line = row.querySelector('.row-line');
      if (line && !buttonFor(row)) {
        line.append(h('button', { className: 'feature-button', text: 'Feature', attrs: { type: 'button' } }));
      }
      markRow(row);
      return row;
    },
    show,
    /** Live events: a line TikTok deleted is not on stream any more (the overlays take it off by themselves). */
    events(events) {
      if (!current) return;
      for (const event of events) {
        const test = deletionOf(event);
        if (test && test(current)) set(null);
      }
    },
    /** Another creator: nothing featured until the server says. */
    reset() {
      set(null);
    },
  };
}
