// The uploads of the /actions page: the list the overlay actions pick their image and sound from, and the
// panel that shows them (a preview, the original name, the size), uploads one and deletes one. The server
// checks each file by its content (assistant/actions/mediacheck.py); its refusal is shown as it says it.

import { ApiError, api, uploadFile } from './actionsapi.js';
import { h } from './dom.js';
import { formatExact } from './format.js';

function sizeText(bytes) {
  const n = Number(bytes) || 0;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${formatExact(Math.max(1, Math.round(n / 1024)))} KB`;
}

/** A short label for a file in a picker: its original name, or the start of its hash. */
export function mediaLabel(item) {
  return item.originalName || `${item.name.slice(0, 10)}….${item.name.split('.').pop()}`;
}

/** Returns {items, load(), upload(file), onChange(fn)}; draws the panel in `els` ({list, input, message}). */
export function createMedia(els) {
  let items = [];
  const listeners = [];

  function say(text, kind = 'info') {
    els.message.textContent = text;
    els.message.dataset.kind = kind;
    els.message.hidden = !text;
  }

  function changed() {
    draw();
    for (const fn of listeners) fn(items);
  }

  async function remove(item, button) {
    button.disabled = true;
    try {
      await api('DELETE', `/api/media/${encodeURIComponent(item.name)}`);
      items = items.filter((other) => other.name !== item.name);
      say(`Deleted ${mediaLabel(item)}.`);
      changed();
    } catch (error) {
      say(error.message, 'error');
      button.disabled = false;
    }
  }

  function row(item) {
    const preview = item.kind === 'image'
      ? h('img', { className: 'media-thumb', attrs: { src: item.url, alt: '', loading: 'lazy' } })
      : h('audio', { className: 'media-audio', attrs: { src: item.url, controls: '', preload: 'none' } });
    const remove_ = h('button', { className: 'button button-small media-delete', text: 'Delete',
      attrs: { type: 'button', 'aria-label': `Delete ${mediaLabel(item)}` } });
    remove_.addEventListener('click', () => remove(item, remove_));
    return h('li', { className: 'media-item', dataset: { name: item.name, kind: item.kind } },
      preview,
      h('div', { className: 'media-text' },
        h('span', { className: 'media-name', text: mediaLabel(item), attrs: { title: item.name } }),
        h('span', { className: 'media-meta', text: `${item.kind} · ${sizeText(item.size)}` })),
      remove_);
  }

  function draw() {
    els.list.replaceChildren(...items.map(row));
  }

  async function upload(file) {
    say(`Uploading ${file.name}…`);
    try {
      const item = await uploadFile(file);
      items = [item, ...items.filter((other) => other.name !== item.name)];
      say(`${mediaLabel(item)} is ready.`);
      changed();
      return item;
    } catch (error) {
      say(error.message, 'error');
      throw error;
    }
  }

  els.input.addEventListener('change', () => {
    const file = els.input.files && els.input.files[0];
    els.input.value = '';
    if (!file) return;
    upload(file).catch((error) => {
      if (!(error instanceof ApiError)) console.error('Live Assistant: upload failed', error); // shown already
    });
  });

  return {
    get items() {
      return items;
    },
    async load() {
      try {
        items = (await api('GET', '/api/media')).media || [];
        changed();
      } catch (error) {
        say(error.message, 'error');
      }
    },
    upload,
    onChange(fn) {
      listeners.push(fn);
    },
  };
}
