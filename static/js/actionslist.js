// The rules of the /actions page (#rules): one card per rule with its trigger, actions and cooldown; a
// switch that enables or disables it (PUT of the whole rule), Edit, Test (POST /test: its actions once,
// with a sample event), Delete (asked twice, in place: no browser dialog) and, for a rule with a webhook,
// its last deliveries (status, tries, last error). What the server answers, or refuses, is said on the card.

import { api, ApiError } from './actionsapi.js';
import { actionSummary, cooldownSummary, deliverySummary, hasWebhook, ruleUpdate, triggerSummary } from './actionsmodel.js';
import { h } from './dom.js';

const CONFIRM_MS = 4000;
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

function when(ms) {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? timeFormat.format(new Date(n)) : '';
}

function button(text, className, label) {
  return h('button', { className: `button button-small ${className}`, text, attrs: { type: 'button', 'aria-label': label } });
}

/** options: {onEdit(rule), onChanged()}. Returns {render(rules)}. */
export function createRuleList(list, { onEdit, onChanged }) {
  function note(card, text, kind = 'info') {
    const line = card.querySelector('.rule-note');
    line.textContent = text;
    line.dataset.kind = kind;
    line.hidden = !text;
  }

  async function run(card, work, control) {
    if (control) control.disabled = true;
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      note(card, error.message, 'error');
      return undefined;
    } finally {
      if (control) control.disabled = false;
    }
  }

  async function toggle(card, rule, checkbox) {
    const enabled = checkbox.checked;
    const answer = await run(card, () => api('PUT', `/api/actions/${encodeURIComponent(rule.id)}`,
      ruleUpdate(rule, { enabled })), checkbox);
    if (!answer) {
      checkbox.checked = !enabled; // refused: as it was
      return;
    }
    Object.assign(rule, answer.rule);
    card.dataset.enabled = String(Boolean(rule.enabled));
    note(card, rule.enabled ? 'Enabled.' : 'Disabled: it does nothing until enabled again.');
  }

  async function test(card, rule, control) {
    note(card, 'Testing…');
    const answer = await run(card, () => api('POST', `/api/actions/${encodeURIComponent(rule.id)}/test`), control);
    if (!answer) return;
    const fired = Number(answer.fired) || 0;
    const deliveries = Array.isArray(answer.deliveries) ? answer.deliveries.length : 0;
    let text = `Tested: ${fired} ${fired === 1 ? 'action' : 'actions'} done with a sample event`;
    if (deliveries) text += `, ${deliveries} webhook ${deliveries === 1 ? 'delivery' : 'deliveries'} queued`;
    note(card, `${text}.`, 'ok');
    const open = card.querySelector('.rule-deliveries[aria-expanded="true"]');
    if (open) loadDeliveries(card, rule);
  }

  async function remove(card, rule, control) {
    if (control.dataset.confirm !== 'true') {
      control.dataset.confirm = 'true';
      control.textContent = 'Delete it?';
      window.setTimeout(() => {
        control.dataset.confirm = 'false';
        control.textContent = 'Delete';
      }, CONFIRM_MS);
      return;
    }
    const done = await run(card, async () => {
      await api('DELETE', `/api/actions/${encodeURIComponent(rule.id)}`);
      return true;
    }, control);
    if (done) onChanged();
  }

  async function loadDeliveries(card, rule) {
    const box = card.querySelector('.delivery-list');
    const answer = await run(card, () => api('GET', `/api/actions/${encodeURIComponent(rule.id)}/deliveries`));
    if (!answer) return;
    const rows = (answer.deliveries || []).map((d) => h('li', { className: 'delivery', dataset: { status: d.status } },
      h('span', { className: 'delivery-status', text: d.status }),
      h('span', { className: 'delivery-text', text: deliverySummary(d) }),
      h('time', { className: 'delivery-time', text: when(d.updatedAt || d.createdAt) })));
    box.replaceChildren(...(rows.length ? rows : [h('li', { className: 'delivery-none', text: 'No delivery yet.' })]));
  }

  function toggleDeliveries(card, rule, control) {
    const open = control.getAttribute('aria-expanded') !== 'true';
    control.setAttribute('aria-expanded', String(open));
    card.querySelector('.delivery-list').hidden = !open;
    if (open) loadDeliveries(card, rule);
  }

  function card(rule) {
    const checkbox = h('input', { className: 'rule-toggle', attrs: { type: 'checkbox', 'aria-label': `Enable ${rule.name}` } });
    checkbox.checked = Boolean(rule.enabled);
    const edit = button('Edit', 'rule-edit', `Edit ${rule.name}`);
    const testButton = button('Test', 'rule-test', `Test ${rule.name}`);
    const del = button('Delete', 'rule-delete', `Delete ${rule.name}`);
    const deliveries = hasWebhook(rule) ? button('Deliveries', 'rule-deliveries', `Deliveries of ${rule.name}`) : null;
    const li = h('li', { className: 'rule', dataset: { ruleId: rule.id, enabled: Boolean(rule.enabled), username: rule.username } },
      h('div', { className: 'rule-top' },
        h('label', { className: 'switch', attrs: { title: 'Enabled' } }, checkbox, h('span', { className: 'switch-track' })),
        h('div', { className: 'rule-titles' },
          h('span', { className: 'rule-name', text: rule.name }),
          h('span', { className: 'rule-user', text: `@${rule.username}` })),
        h('div', { className: 'rule-buttons' }, testButton, edit, deliveries, del)),
      h('p', { className: 'rule-trigger' }, h('span', { className: 'rule-when', text: 'When' }),
        ` ${triggerSummary(rule.trigger)} · ${cooldownSummary(rule.cooldown)}`),
      h('ul', { className: 'rule-actions' },
        ...(rule.actions || []).map((a) => h('li', { className: 'rule-action', dataset: { type: a.type }, text: actionSummary(a) }))),
      h('p', { className: 'rule-note', attrs: { role: 'status', hidden: '' } }),
      deliveries ? h('ol', { className: 'delivery-list', attrs: { hidden: '' } }) : null);
    checkbox.addEventListener('change', () => toggle(li, rule, checkbox));
    edit.addEventListener('click', () => onEdit(rule));
    testButton.addEventListener('click', () => test(li, rule, testButton));
    del.addEventListener('click', () => remove(li, rule, del));
    if (deliveries) {
      deliveries.setAttribute('aria-expanded', 'false');
      deliveries.addEventListener('click', () => toggleDeliveries(li, rule, deliveries));
    }
    return li;
  }

  return {
    render(rules) {
      list.replaceChildren(...rules.map(card));
    },
  };
}
