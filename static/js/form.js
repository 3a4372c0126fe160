// The connect form: one field (name, @name or a TikTok link), Connect and Disconnect, and the
// message line under it that explains errors in plain words. What is typed is checked here first
// (usernames.js, the server's rule), so a mistake is explained without a round trip.

import { errorMessage } from './messages.js';
import { parseUsername } from './usernames.js';

export function createForm({ onWatch, onUnwatch }, root = document) {
  const form = root.getElementById('watch-form');
  const input = root.getElementById('username-input');
  const connectButton = root.getElementById('connect-button');
  const disconnectButton = root.getElementById('disconnect-button');
  const message = root.getElementById('form-message');

  let busy = false;
  let watching = null;
  let countdown = null;

  function stopCountdown() {
    if (countdown !== null) window.clearInterval(countdown);
    countdown = null;
  }

  function show(text, kind, code = '') {
    message.textContent = text;
    message.dataset.kind = kind;
    message.dataset.code = code;
    message.hidden = !text;
  }

  function clearMessage() {
    stopCountdown();
    show('', 'info');
  }

  function showError(error, username) {
    stopCountdown();
    const code = (error && error.code) || 'unknown';
    const retryAfter = Number(error && error.retryAfter);
    show(errorMessage(error, { username }), 'error', code);
    if (retryAfter > 0) {
      const until = Date.now() + retryAfter * 1000;
      countdown = window.setInterval(() => {
        const left = Math.ceil((until - Date.now()) / 1000);
        if (left <= 0) {
          stopCountdown();
          show('You can try again now.', 'info', code);
        } else {
          message.textContent = errorMessage(error, { username, secondsLeft: left });
        }
      }, 1000);
    }
  }

  function syncButtons() {
    connectButton.disabled = busy;
    disconnectButton.disabled = busy || !watching;
    form.setAttribute('aria-busy', String(busy));
  }

  async function run(action) {
    busy = true;
    syncButtons();
    try {
      return await action();
    } finally {
      busy = false;
      syncButtons();
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    const value = input.value; // as typed: the rule trims it the way the server does
    const parsed = parseUsername(value);
    if (parsed.error) {
      refuse(value.trim() ? parsed.error : { code: 'empty' });
      return;
    }
    clearMessage();
    const ack = await run(() => onWatch(value));
    if (ack && ack.ok) {
      input.value = '';
    } else {
      refuse(ack && ack.error, parsed.username);
    }
  });

  /** Explain why `error` refused what is in the field, and leave it selected for a correction. */
  function refuse(error, username) {
    showError(error, username);
    input.focus();
    input.select();
  }

  disconnectButton.addEventListener('click', async () => {
    if (busy) return;
    clearMessage();
    const ack = await run(() => onUnwatch());
    if (!ack || !ack.ok) showError(ack && ack.error, watching);
  });

  syncButtons();

  return {
    showError,
    clearMessage,
    /** Put `text` (a refused address) in the field and explain why it is refused. */
    refuseText(text, error) {
      input.value = text;
      refuse(error);
    },
    /** The creator now followed (null: none): enables Disconnect. */
    setWatching(username) {
      watching = username || null;
      input.placeholder = watching ? 'Switch creator: @name or a TikTok link' : '@creator or tiktok.com/@creator/live';
      syncButtons();
    },
  };
}
