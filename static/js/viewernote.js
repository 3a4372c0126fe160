// The team's note on a viewer, in the viewer card (#viewer-note; docs/wall.md "Viewers across lives"): kept per
// creator in the records, shown to everyone who opens this viewer's card of this creator. Saved with the button
// (or Ctrl/Cmd+Enter); an empty note deletes it. At most 1,000 characters (the textarea's maxlength).

import { setText } from './dom.js';
import { failureText } from './regulars.js';

/**
 * form: the <form id="viewer-note">, or null (recording off: no notes); save(userId, text): resolves to the
 * answer of regulars.js saveNote for the creator shown. Returns {show(userId, note), hide()}.
 */
export function createViewerNote(form, save) {
  if (!form) return { show() {}, hide() {} };
  const input = form.querySelector('#viewer-note-input');
  const status = form.querySelector('#viewer-note-status');
  const button = form.querySelector('#viewer-note-save');
  let userId = null;
  let saved = '';
  let ticket = 0;

  function say(text, state) {
    setText(status, text);
    form.dataset.state = state;
  }

  function changed() {
    const dirty = input.value !== saved;
    button.disabled = !dirty;
    if (dirty && form.dataset.state !== 'saving') say('Not saved yet', 'dirty');
    else if (!dirty && form.dataset.state === 'dirty') say('', 'idle');
  }

  async function submit() {
    if (userId === null || input.value === saved) return;
    const mine = ++ticket;
    const text = input.value;
    button.disabled = true;
    say('Saving…', 'saving');
    const answer = await save(userId, text.trim() ? text : '');
    if (mine !== ticket) return;
    if (answer.ok) {
      saved = answer.note || '';
      if (input.value === text) input.value = saved;
      say(answer.note ? 'Saved for your team' : 'Note deleted', 'saved');
    } else {
      say(`Not saved. ${failureText(answer.error)}`, 'error');
    }
    button.disabled = input.value === saved;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener('input', changed);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  });

  return {
    /** The note of `id` as the card's answer had it (`note` a string or null). */
    show(id, note) {
      ticket += 1;
      userId = id;
      saved = typeof note === 'string' ? note : '';
      input.value = saved;
      button.disabled = true;
      say('', 'idle');
      form.hidden = false;
    },
    hide() {
      ticket += 1;
      userId = null;
      form.hidden = true;
    },
  };
}
