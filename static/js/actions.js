// The /actions page (templates/actions.html; docs/actions.md): a creator filter (also the page's
// `?username=`), the rules (actionslist.js), the editor (actionsform.js), the counters (actionscounters.js)
// and the uploads (actionsmedia.js). Rules are read again when the tab comes back into view, so what a
// teammate changed meanwhile shows.

import { api, ApiError } from './actionsapi.js';
import { createCounters } from './actionscounters.js';
import { createRuleForm } from './actionsform.js';
import { createRuleList } from './actionslist.js';
import { createMedia } from './actionsmedia.js';
import { parseUsername } from './usernames.js';

const byId = (id) => document.getElementById(id);
const els = {
  filter: byId('creator-filter'), filterInput: byId('filter-username'), rules: byId('rules'),
  count: byId('rules-count'), empty: byId('rules-empty'), message: byId('rules-message'), newRule: byId('new-rule'),
};

let creator = new URLSearchParams(window.location.search).get('username') || null;
let loaded = 0;

function say(text, kind = 'info') {
  els.message.textContent = text;
  els.message.dataset.kind = kind;
  els.message.hidden = !text;
}

const media = createMedia({ list: byId('media-list'), input: byId('media-upload'), message: byId('media-message') });
const counters = createCounters({ list: byId('counters'), message: byId('counters-message') });
const form = createRuleForm({
  media,
  onSaved(rule) {
    say(`Saved “${rule.name}”.`);
    loadRules();
    counters.show(creator);
  },
});
const list = createRuleList(els.rules, {
  onEdit(rule) {
    form.edit(rule);
    byId('rule-form').scrollIntoView({ block: 'start', behavior: 'smooth' });
  },
  onChanged() {
    loadRules();
  },
});

async function loadRules() {
  const ticket = ++loaded;
  const query = creator ? `?username=${encodeURIComponent(creator)}` : '';
  try {
    const answer = await api('GET', `/api/actions${query}`);
    if (ticket !== loaded) return;
    const rules = answer.rules || [];
    list.render(rules);
    els.count.textContent = String(rules.length);
    els.empty.hidden = rules.length > 0;
    if (els.message.dataset.kind === 'error') say('');
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (ticket === loaded) say(error.message, 'error');
  }
}

function showCreator() {
  els.filterInput.value = creator ? `@${creator}` : '';
  const url = new URL(window.location.href);
  if (creator) url.searchParams.set('username', creator);
  else url.searchParams.delete('username');
  window.history.replaceState(null, '', url);
}

els.filter.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = els.filterInput.value.trim();
  if (text) {
    const parsed = parseUsername(text);
    if (parsed.error) {
      say(parsed.error.message, 'error');
      return;
    }
    creator = parsed.username;
  } else {
    creator = null;
  }
  say('');
  showCreator();
  if (!form.editingId) form.reset(creator || '');
  loadRules();
  counters.show(creator);
});

els.newRule.addEventListener('click', () => {
  form.reset(creator || '');
  byId('rule-name').focus();
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') loadRules();
});

if (creator && parseUsername(creator).error) creator = null;
else if (creator) creator = parseUsername(creator).username;
showCreator();
form.reset(creator || '');
media.load();
loadRules();
counters.show(creator);
