// The counters panel of the /actions page (#counters): a creator's named counters (what `counter` actions
// count, and `{counter:name}` in a text shows), each with its value, a field to set it and Reset.

import { api, ApiError, counterPath } from './actionsapi.js';
import { h } from './dom.js';
import { formatExact } from './format.js';

/** els: {list, message}. Returns {show(username or null)}. */
export function createCounters(els) {
  let username = null;
  let shown = 0; // requests made: only the last one's answer is drawn

  function say(text, kind = 'info') {
    els.message.textContent = text;
    els.message.dataset.kind = kind;
    els.message.hidden = !text;
  }

  async function set(counter, value, controls) {
    for (const control of controls) control.disabled = true;
    try {
      const answer = await api('PUT', counterPath(username, counter.name), { value });
      counter.value = answer.value;
      say(`${counter.name} is ${formatExact(answer.value)} now.`);
      draw();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(error.message, 'error');
      for (const control of controls) control.disabled = false;
    }
  }

  let counters = [];

  function row(counter) {
    const field = h('input', { className: 'text-input num counter-input',
      attrs: { type: 'number', step: 1, 'aria-label': `New value of ${counter.name}` } });
    field.value = String(counter.value);
    const setButton = h('button', { className: 'button button-small counter-set', text: 'Set', attrs: { type: 'button' } });
    const reset = h('button', { className: 'button button-small counter-reset', text: 'Reset', attrs: { type: 'button' } });
    setButton.addEventListener('click', () => {
      const value = /^-?\d{1,15}$/u.test(field.value.trim()) ? Number(field.value) : field.value;
      set(counter, value, [setButton, reset]);
    });
    reset.addEventListener('click', () => set(counter, 0, [setButton, reset]));
    return h('li', { className: 'counter', dataset: { name: counter.name, value: counter.value } },
      h('span', { className: 'counter-name', text: counter.name }),
      h('span', { className: 'counter-value num', text: formatExact(counter.value) }),
      field, setButton, reset);
  }

  function draw() {
    els.list.replaceChildren(...counters.map(row));
  }

  return {
    async show(name) {
      username = name || null;
      const ticket = ++shown;
      counters = [];
      draw();
      if (!username) {
        say('Pick a creator above to see their counters.');
        return;
      }
      try {
        const answer = await api('GET', `/api/actions/counters?username=${encodeURIComponent(username)}`);
        if (ticket !== shown) return;
        counters = answer.counters || [];
        say(counters.length ? '' : `@${username} has no counter yet: a rule's “Count” action makes one.`);
        draw();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (ticket === shown) say(error.message, 'error');
      }
    },
  };
}
