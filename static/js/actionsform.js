// The rule editor of the /actions page (#rule-form): the creator and name, the trigger and its field, the
// cooldowns, and a list of actions, each with the fields of its type (an overlay action picks an uploaded
// image and sound, or uploads one). It makes a rule (POST /api/actions) or saves one (PUT); what the server
// refuses is said beside the form, in the server's words. A secret given back (a new webhook rule, or a
// rotated secret) is shown once, with a copy button.

import { api, ApiError } from './actionsapi.js';
import { mediaLabel } from './actionsmedia.js';
import { ACTION_TYPES, MAX_ACTIONS, actionFrom, blankAction, hasWebhook, ruleBody, triggerFrom } from './actionsmodel.js';
import { h } from './dom.js';

const byId = (id) => document.getElementById(id);

function field(label, control, className = 'field') {
  return h('label', { className }, label, control);
}

function input(name, value, attrs = {}) {
  const el = h('input', { className: attrs.type === 'number' ? 'text-input num' : 'text-input',
    attrs: { type: 'text', name, ...attrs } });
  el.value = value ?? '';
  return el;
}

/** options: {media (actionsmedia.js), onSaved(rule, secret)}. Returns {edit(rule), reset(username), mode}. */
export function createRuleForm({ media, onSaved }) {
  const els = {
    form: byId('rule-form'), title: byId('editor-title'), username: byId('rule-username'), name: byId('rule-name'),
    enabled: byId('rule-enabled'), type: byId('trigger-type'), list: byId('action-list'), add: byId('add-action'),
    save: byId('rule-save'), cancel: byId('rule-cancel'), rotateRow: byId('rule-rotate-row'), rotate: byId('rule-rotate'),
    message: byId('rule-message'), secretBox: byId('secret-box'), secret: byId('secret-value'),
    secretRule: byId('secret-rule'), copy: byId('secret-copy'),
  };
  const triggerFields = {
    giftName: byId('trigger-gift-name'), minDiamonds: byId('trigger-min-diamonds'), every: byId('trigger-every'),
    command: byId('trigger-command'), keyword: byId('trigger-keyword'), phase: byId('trigger-phase'),
  };
  const cooldown = { userSeconds: byId('cooldown-user'), globalSeconds: byId('cooldown-global') };
  let editing = null; // the rule being edited, or null: a new one
  let busy = false;

  function say(text) {
    els.message.textContent = text;
    els.message.hidden = !text;
  }

  function showTrigger() {
    for (const set of els.form.querySelectorAll('[data-trigger]')) set.hidden = set.dataset.trigger !== els.type.value;
  }

  // --- the actions' items ------------------------------------------------------------------------------

  function mediaSelect(name, kind, value) {
    const select = h('select', { className: 'select', attrs: { name } },
      h('option', { text: kind === 'image' ? 'No image' : 'No sound', attrs: { value: '' } }));
    fillMedia(select, kind, value);
    return select;
  }

  function fillMedia(select, kind, value) {
    const keep = value ?? select.value;
    const options = media.items.filter((item) => item.kind === kind)
      .map((item) => h('option', { text: mediaLabel(item), attrs: { value: item.name } }));
    if (keep && !media.items.some((item) => item.name === keep)) {
      options.push(h('option', { text: `missing file (${keep.slice(0, 10)}…)`, attrs: { value: keep } }));
    }
    select.replaceChildren(select.options[0], ...options);
    select.value = keep || '';
  }

  function uploader(kind, select) {
    const file = h('input', { className: 'visually-hidden', attrs: {
      type: 'file', accept: kind === 'image' ? 'image/png,image/gif,image/jpeg,image/webp' : 'audio/mpeg,audio/ogg,audio/wav' } });
    file.addEventListener('change', async () => {
      const chosen = file.files && file.files[0];
      file.value = '';
      if (!chosen) return;
      try {
        const item = await media.upload(chosen);
        if (item.kind !== kind) {
          say(`${mediaLabel(item)} is ${item.kind === 'image' ? 'an image' : 'a sound'}: it is in the list of ${item.kind}s.`);
          return;
        }
        fillMedia(select, kind, item.name);
      } catch (error) {
        say(error.message);
      }
    });
    return h('label', { className: 'button button-small upload-button', text: 'Upload' }, file);
  }

  function fieldsOf(action) {
    switch (action.type) {
      case 'overlay': {
        const image = mediaSelect('image', 'image', action.image);
        const sound = mediaSelect('sound', 'sound', action.sound);
        return [
          field('Text', input('text', action.text, { maxlength: 500 })),
          h('div', { className: 'form-row media-row' }, field('Image or GIF', image), uploader('image', image)),
          h('div', { className: 'form-row media-row' }, field('Sound', sound), uploader('sound', sound)),
          field('Seconds on screen', input('seconds', action.seconds, { type: 'number', min: 1, max: 60, step: 1 })),
        ];
      }
      case 'tts': return [field('Text to say', input('text', action.text, { maxlength: 500 }))];
      case 'webhook': return [field('URL', input('url', action.url, { type: 'url', placeholder: 'https://…', maxlength: 2048 }))];
      case 'counter': return [h('div', { className: 'form-row' },
        field('Counter', input('name', action.name, { placeholder: 'deaths', maxlength: 40 })),
        field('Add', input('add', action.add, { type: 'number', step: 1 })))];
      default: return [];
    }
  }

  function item(action) {
    const type = h('select', { className: 'select action-type', attrs: { 'aria-label': 'Action' } },
      ...ACTION_TYPES.map(([value, label]) => h('option', { text: label, attrs: { value } })));
    type.value = action.type;
    const remove = h('button', { className: 'icon-button action-remove', text: '×',
      attrs: { type: 'button', 'aria-label': 'Remove this action', title: 'Remove' } });
    const body = h('div', { className: 'action-fields' }, ...fieldsOf(action));
    const li = h('li', { className: 'action-item', dataset: { type: action.type } },
      h('div', { className: 'action-head' }, type, remove), body);
    type.addEventListener('change', () => {
      li.dataset.type = type.value;
      body.replaceChildren(...fieldsOf(blankAction(type.value)));
    });
    remove.addEventListener('click', () => {
      li.remove();
      showAdd();
    });
    return li;
  }

  function showAdd() {
    els.add.disabled = els.list.children.length >= MAX_ACTIONS;
  }

  function addAction(action) {
    els.list.append(item(action));
    showAdd();
  }

  function readActions() {
    return Array.from(els.list.children, (li) => {
      const values = {};
      for (const control of li.querySelectorAll('.action-fields [name]')) values[control.name] = control.value;
      return actionFrom(li.dataset.type, values);
    });
  }

  // --- the form ---------------------------------------------------------------------------------------

  function fill(rule) {
    els.username.value = rule.username || '';
    els.name.value = rule.name || '';
    els.enabled.checked = rule.enabled !== false;
    const trigger = rule.trigger || { type: 'gift' };
    els.type.value = trigger.type;
    for (const [key, control] of Object.entries(triggerFields)) {
      if (trigger[key] !== undefined) control.value = trigger[key];
      else if (control.tagName !== 'SELECT') control.value = key === 'every' ? '1000' : '';
    }
    cooldown.userSeconds.value = (rule.cooldown && rule.cooldown.userSeconds) ?? 0;
    cooldown.globalSeconds.value = (rule.cooldown && rule.cooldown.globalSeconds) ?? 0;
    els.list.replaceChildren();
    for (const action of rule.actions || []) addAction(action);
    els.rotate.checked = false;
    showTrigger();
    showAdd();
  }

  function setMode(rule) {
    editing = rule;
    els.form.dataset.mode = rule ? 'edit' : 'create';
    els.title.textContent = rule ? `Edit “${rule.name}”` : 'New rule';
    els.save.textContent = rule ? 'Save changes' : 'Create the rule';
    els.cancel.hidden = !rule;
    els.rotateRow.hidden = !(rule && hasWebhook(rule));
    say('');
  }

  function showSecret(rule, secret) {
    els.secretBox.hidden = !secret;
    if (!secret) return;
    els.secretRule.textContent = rule.name;
    els.secret.value = secret;
  }

  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    const values = Object.fromEntries(Object.entries(triggerFields).map(([key, control]) => [key, control.value]));
    const body = ruleBody({
      username: els.username.value.replace(/^@/u, ''), name: els.name.value, enabled: els.enabled.checked,
      trigger: triggerFrom(els.type.value, values), userSeconds: cooldown.userSeconds.value,
      globalSeconds: cooldown.globalSeconds.value, actions: readActions(), rotateSecret: editing && els.rotate.checked,
    });
    busy = true;
    els.save.disabled = true;
    say('');
    try {
      const answer = editing
        ? await api('PUT', `/api/actions/${encodeURIComponent(editing.id)}`, body)
        : await api('POST', '/api/actions', body);
      showSecret(answer.rule, answer.secret);
      onSaved(answer.rule, answer.secret);
      reset(answer.rule.username);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(error.message);
    } finally {
      busy = false;
      els.save.disabled = false;
    }
  }

  function reset(username = '') {
    setMode(null);
    fill({ username, name: '', enabled: true, trigger: { type: 'gift' }, cooldown: {},
      actions: [blankAction('overlay')] });
  }

  async function copySecret() {
    try {
      await navigator.clipboard.writeText(els.secret.value);
      els.copy.textContent = 'Copied';
    } catch {
      els.secret.select(); // no clipboard here (plain http on another host): selected for Ctrl+C
      els.copy.textContent = 'Press Ctrl+C';
    }
  }

  els.type.addEventListener('change', showTrigger);
  els.add.addEventListener('click', () => addAction(blankAction('overlay')));
  els.form.addEventListener('submit', submit);
  els.cancel.addEventListener('click', () => reset(editing ? editing.username : ''));
  els.copy.addEventListener('click', copySecret);
  media.onChange(() => {
    for (const select of els.list.querySelectorAll('select[name="image"], select[name="sound"]')) {
      fillMedia(select, select.name);
    }
  });

  return {
    edit(rule) {
      setMode(rule);
      fill(rule);
      els.secretBox.hidden = true;
      els.name.focus();
    },
    reset,
    get editingId() {
      return editing ? editing.id : null;
    },
  };
}
