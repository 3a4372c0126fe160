// The chat tools above the chat: the search box, the "Keywords" editor, the "Alerts" popover (gift
// alerts with their threshold and sound, reading chat aloud) and "Silence all". It keeps the tab's
// settings (settings.js) and routes the stream's events: every chat row the feed builds is decorated
// (chatview.js); only `live` events alert or speak, never the snapshot or TikTok's replayed chat
// (`history`). Alerts, sound and speech are off until turned on, and make no sound before the user
// has acted on the page (browsers require it; turning them on is such an act).
//
// Elements: see the comment at the top of templates/index.html ("Chat tools").

import { createGiftAlertRule, createGiftAlerts } from './alerts.js';
import { MAX_KEYWORD_LENGTH, MAX_KEYWORDS, parseKeywords } from './chatfilter.js';
import { createChatView } from './chatview.js';
import { h } from './dom.js';
import { requestFlush } from './frame.js';
import { anchorPopover } from './popover.js';
import { rowOf } from './rows.js';
import { createSettings, parseThreshold, SPEECH_MODES, SPEECH_RATES } from './settings.js';
import { createSpeech, QUEUE_CAP, speechText, wantsSpeech } from './speech.js';
import { createTone } from './tone.js';

const KEYWORDS_SAVE_MS = 300; // keywords apply this long after the last keystroke

const MODE_NAMES = { off: 'Off', all: 'all chat', questions: 'questions', keywords: 'keyword lines' };

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What was left out of a keyword list, in words ('' when nothing). */
function leftOut({ tooLong, overLimit }) {
  const parts = [];
  if (tooLong.length) parts.push(`${plural(tooLong.length, 'keyword')} over ${MAX_KEYWORD_LENGTH} characters`);
  if (overLimit) parts.push(`${overLimit} past the limit of ${MAX_KEYWORDS}`);
  return parts.length ? `Left out: ${parts.join(', ')}.` : '';
}

function userHasActed() {
  const activation = navigator.userActivation;
  return activation ? activation.hasBeenActive : false;
}

export function createChatTools(root = document) {
  const byId = (id) => root.getElementById(id);
  const els = {
    list: byId('chat-feed'),
    search: byId('chat-search'),
    searchCount: byId('chat-search-count'),
    searchEmpty: byId('chat-search-empty'),
    keywordsButton: byId('keywords-button'),
    keywordsCount: byId('keywords-count'),
    keywordsPanel: byId('keywords-panel'),
    keywordsInput: byId('keywords-input'),
    keywordsMessage: byId('keywords-message'),
    keywordsList: byId('keywords-list'),
    keywordsClear: byId('keywords-clear'),
    alertsButton: byId('alerts-button'),
    alertsPanel: byId('alerts-panel'),
    alertsEnabled: byId('alerts-enabled'),
    threshold: byId('alerts-threshold'),
    sound: byId('alerts-sound'),
    soundTry: byId('alerts-sound-try'),
    soundStatus: byId('sound-status'),
    speechModes: Array.from(root.querySelectorAll('input[name="speech-mode"]')),
    speechRate: byId('speech-rate'),
    speechStatus: byId('speech-status'),
    speechHint: byId('speech-hint'),
    silence: byId('silence-all'),
    alertsBox: byId('gift-alerts'),
  };

  const view = createChatView(els.list, { status: els.searchCount, empty: els.searchEmpty });
  const rule = createGiftAlertRule();
  const banners = createGiftAlerts(els.alertsBox);
  const tone = createTone({ onChange: () => requestFlush(renderStatus) });
  const speech = createSpeech({ onChange: () => requestFlush(renderStatus) });
  const settings = createSettings({ onChange: () => applySettings() });
  let creator = null;
  let matchedKeywords = null; // the keyword list the chat view uses, joined
  let acted = userHasActed();
  let keywordsTimer = null;

  // --- what the settings mean for sound and speech ---

  function applyAudio() {
    const s = settings.get();
    if (s.muted) tone.stop();
    if (acted && s.alerts && s.sound && !s.muted) tone.unlock();
    speech.setAllowed(acted && s.speech !== 'off' && !s.muted);
    speech.setPerMinute(s.speechPerMinute);
  }

  function applySettings() {
    const s = settings.get();
    if (s.keywords.join('\n') !== matchedKeywords) {
      matchedKeywords = s.keywords.join('\n');
      view.setMatch({ keywords: s.keywords, creator });
    }
    if (!s.alerts) {
      banners.clear();
      rule.reset();
    }
    applyAudio();
    requestFlush(render);
  }

  // The first click or key press on the page lets the browser play sound and speak.
  function onActed() {
    if (!userHasActed() && navigator.userActivation) return;
    acted = true;
    for (const type of ['pointerdown', 'pointerup', 'keydown']) root.removeEventListener(type, onActed, true);
    applyAudio();
    requestFlush(renderStatus);
  }
  if (!acted) {
    for (const type of ['pointerdown', 'pointerup', 'keydown']) root.addEventListener(type, onActed, true);
  }

  // --- drawing the controls from the settings ---

  function renderKeywords(keywords) {
    els.keywordsCount.textContent = String(keywords.length);
    els.keywordsCount.dataset.value = String(keywords.length);
    els.keywordsButton.dataset.on = String(keywords.length > 0);
    els.keywordsList.replaceChildren(...keywords.map((k) => h('li', { className: 'keyword-chip', text: k })));
  }

  function renderStatus() {
    const s = settings.get();
    let sound = '';
    if (s.alerts && s.sound) {
      if (!tone.available) sound = 'This browser cannot play the sound.';
      else if (s.muted) sound = 'Silenced: turn off “Silence all” to hear it.';
      else if (!acted || !tone.ready) sound = 'Click anywhere on the page to let the browser play sound.';
    }
    els.soundStatus.textContent = sound;
    els.soundStatus.hidden = !sound;

    let state = 'off';
    let text = '';
    if (!speech.available) {
      state = 'unavailable';
      text = 'This browser cannot read aloud.';
    } else if (s.speech !== 'off') {
      if (s.muted) {
        state = 'muted';
        text = 'Silenced: turn off “Silence all” to hear it.';
      } else if (!acted) {
        state = 'waiting';
        text = 'Click anywhere on the page to let the browser speak.';
      } else {
        state = speech.speaking ? 'speaking' : 'ready';
        const waiting = speech.queued ? ` · ${speech.queued} waiting` : '';
        text = `${speech.speaking ? 'Reading' : 'Ready to read'} ${MODE_NAMES[s.speech]}${waiting}`;
      }
    }
    els.speechStatus.dataset.state = state;
    els.speechStatus.dataset.queued = String(speech.queued);
    els.speechStatus.dataset.spoken = String(speech.spoken);
    els.speechStatus.textContent = text;
    els.speechStatus.hidden = !text;
  }

  function render() {
    const s = settings.get();
    renderKeywords(s.keywords);
    els.alertsEnabled.checked = s.alerts;
    if (root.activeElement !== els.threshold) {
      els.threshold.value = String(s.threshold);
      els.threshold.removeAttribute('aria-invalid');
    }
    els.sound.checked = s.sound;
    els.sound.disabled = !s.alerts || !tone.available;
    els.soundTry.disabled = !tone.available || s.muted;
    for (const radio of els.speechModes) {
      radio.checked = radio.value === s.speech;
      radio.disabled = !speech.available && radio.value !== 'off';
    }
    els.speechRate.value = String(s.speechPerMinute);
    els.speechRate.disabled = s.speech === 'off';
    const audible = (s.alerts && s.sound) || s.speech !== 'off';
    els.alertsButton.dataset.on = String(s.alerts || s.speech !== 'off');
    els.silence.setAttribute('aria-pressed', String(s.muted));
    els.silence.dataset.audible = String(audible);
    els.silence.textContent = s.muted ? 'Silenced' : 'Silence all';
    els.silence.title = s.muted ? 'Sound and speech are off: click to hear them again' : 'Stop every sound and speech now';
    renderStatus();
  }

  // --- the controls ---

  els.search.addEventListener('input', () => view.setQuery(els.search.value));
  els.search.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && els.search.value) {
      els.search.value = '';
      view.setQuery('');
    }
  });

  function saveKeywords() {
    window.clearTimeout(keywordsTimer);
    keywordsTimer = null;
    const parsed = parseKeywords(els.keywordsInput.value);
    settings.update({ keywords: parsed.keywords });
    const note = leftOut(parsed);
    els.keywordsMessage.dataset.kind = note ? 'warning' : 'info';
    els.keywordsMessage.textContent = note || `${plural(parsed.keywords.length, 'keyword')} in use.`;
  }

  els.keywordsInput.addEventListener('input', () => {
    window.clearTimeout(keywordsTimer);
    keywordsTimer = window.setTimeout(saveKeywords, KEYWORDS_SAVE_MS);
  });
  els.keywordsInput.addEventListener('change', saveKeywords);
  els.keywordsClear.addEventListener('click', () => {
    els.keywordsInput.value = '';
    saveKeywords();
    els.keywordsInput.focus();
  });
  // `beforetoggle`, not `toggle`: it comes before the panel shows (`toggle` is queued, and could come after
  // the first keystrokes and wipe them).
  els.keywordsPanel.addEventListener('beforetoggle', (event) => {
    if (event.newState === 'open') {
      els.keywordsInput.value = settings.get().keywords.join('\n');
      els.keywordsMessage.dataset.kind = 'info';
      els.keywordsMessage.textContent = `Up to ${MAX_KEYWORDS}, each up to ${MAX_KEYWORD_LENGTH} characters.`;
    } else if (keywordsTimer !== null) {
      saveKeywords(); // closed right after typing: keep what was typed
    }
  });

  els.alertsEnabled.addEventListener('change', () => {
    settings.update({ alerts: els.alertsEnabled.checked });
  });
  els.threshold.addEventListener('input', () => {
    const value = parseThreshold(els.threshold.value);
    els.threshold.setAttribute('aria-invalid', String(value === null));
    if (value !== null) settings.update({ threshold: value });
  });
  els.threshold.addEventListener('change', () => {
    els.threshold.value = String(settings.get().threshold);
    els.threshold.removeAttribute('aria-invalid');
  });
  els.sound.addEventListener('change', () => {
    acted = true; // this click is the gesture the browser wants
    settings.update({ sound: els.sound.checked });
    if (els.sound.checked) tone.unlock();
  });
  els.soundTry.addEventListener('click', () => {
    acted = true;
    if (settings.get().muted) return; // silenced means silent, even for a try
    tone.unlock();
    // resume() is asynchronous the first time: ring once it runs
    window.setTimeout(() => tone.play(), tone.ready ? 0 : 60);
    requestFlush(renderStatus);
  });
  for (const radio of els.speechModes) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      acted = true;
      speech.cancel();
      settings.update({ speech: SPEECH_MODES.includes(radio.value) ? radio.value : 'off' });
    });
  }
  els.speechRate.addEventListener('change', () => {
    const n = Number(els.speechRate.value);
    settings.update({ speechPerMinute: SPEECH_RATES.includes(n) ? n : settings.get().speechPerMinute });
  });
  els.silence.addEventListener('click', () => {
    const muted = !settings.get().muted;
    if (muted) {
      speech.cancel();
      tone.stop();
    } else {
      acted = true;
    }
    settings.update({ muted });
  });

  // The chat's "N new" button sits under the toolbar, which is one row or two (chat-tools.css), the
  // pinned line when there is one (livecards.js) and the line featured on stream (featuring.js).
  const toolbar = els.search.closest('.chat-tools');
  const strips = [byId('chat-pin'), byId('chat-featured')].filter(Boolean);
  const feedBox = els.list.closest('.feed');
  if (toolbar && feedBox && typeof ResizeObserver === 'function') {
    const observer = new ResizeObserver(() => {
      const above = strips.reduce((sum, strip) => sum + (strip.hidden ? 0 : strip.offsetHeight), 0);
      feedBox.style.setProperty('--chat-tools-height', `${toolbar.offsetHeight + above}px`);
    });
    observer.observe(toolbar);
    for (const strip of strips) observer.observe(strip);
  }
  els.speechHint.textContent = `Only new chat is read, one line at a time. When it comes faster than that, at most ${QUEUE_CAP} lines wait and older ones are skipped.`;
  anchorPopover(els.keywordsPanel, els.keywordsButton);
  anchorPopover(els.alertsPanel, els.alertsButton);
  applySettings();

  return {
    /** The chat feed's row builder: the row of a chat line or an emote (rows.js), decorated. */
    chatRow(event) {
      const row = rowOf(event);
      return row && view.decorate(row, event);
    },
    /** The creator changed (null: none): mentions follow, alerts and speech of the last one stop. */
    setCreator(username) {
      creator = username || null;
      view.setMatch({ keywords: settings.get().keywords, creator });
      banners.clear();
      rule.reset();
      speech.cancel();
    },
    /** New events of the creator shown, as they happen (never the snapshot). */
    live(events) {
      const s = settings.get();
      const speaking = s.speech !== 'off' && !s.muted;
      if (!s.alerts && !speaking) return;
      for (const event of events) {
        if (!event || event.history) continue;
        if (event.type === 'gift' && s.alerts) {
          const decision = rule.offer(event, s.threshold);
          banners.show(event, decision);
          if (decision && decision.action === 'new' && s.sound && !s.muted) tone.play();
        } else if (event.type === 'chat' && speaking) {
          const classes = view.classes(event);
          if (wantsSpeech(s.speech, classes)) speech.offer(speechText(event, classes));
        }
      }
    },
  };
}
