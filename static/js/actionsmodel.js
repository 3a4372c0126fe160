// What the /actions page says of a rule, and the rule it sends, as pure functions (no DOM): the one-line
// summaries of a trigger, an action, a cooldown and a webhook delivery, and the body of POST/PUT
// /api/actions built from what the form holds. The server checks every rule (assistant/actions/rules.py);
// here numbers are sent as numbers when they read as one, and as typed otherwise, so the server's message
// says what is wrong. Tested in Node: tests/js/actionsmodel.test.mjs.

import { formatExact } from './format.js';

export const MAX_ACTIONS = 10;
export const ACTION_TYPES = [
  ['overlay', 'Show on the overlay'],
  ['tts', 'Say it aloud'],
  ['webhook', 'Call a webhook'],
  ['counter', 'Count'],
];

/** A number when `text` is a whole number, else the text trimmed ('' -> undefined: left out). */
export function numberOrText(text) {
  const s = String(text ?? '').trim();
  if (s === '') return undefined;
  return /^-?\d{1,15}$/u.test(s) ? Number(s) : s;
}

function plural(n, one, many) {
  return `${formatExact(n)} ${Number(n) === 1 ? one : many}`;
}

/** "Gift: Rose", "A gift worth 100+ diamonds", "Every 1,000 likes", "Command !dance"... */
export function triggerSummary(trigger) {
  const t = trigger || {};
  switch (t.type) {
    case 'gift':
      if (t.giftName) return `Gift: ${t.giftName}`;
      return t.minDiamonds ? `A gift worth ${plural(t.minDiamonds, 'diamond', 'diamonds')} or more` : 'Any gift';
    case 'follow': return 'A follow';
    case 'share': return 'A share';
    case 'subscribe': return 'A subscription';
    case 'likes': return `Every ${plural(t.every, 'like', 'likes')}`;
    case 'command': return `Command ${t.command || ''}`.trim();
    case 'keyword': return `Keyword “${t.keyword || ''}”`;
    case 'battle': return t.phase === 'ended' ? 'A PK battle ends' : 'A PK battle starts';
    case 'goal': return "TikTok's LIVE goal reached";
    case 'firstChat': return "A viewer's first comment";
    default: return String(t.type || 'Unknown trigger');
  }
}

function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return String(url || '');
  }
}

/** "Overlay: “{user} followed” · image · sound · 5 s", "Webhook → hooks.example.com"... */
export function actionSummary(action) {
  const a = action || {};
  switch (a.type) {
    case 'overlay': {
      const parts = [`Overlay: “${a.text || ''}”`];
      if (a.image) parts.push('image');
      if (a.sound) parts.push('sound');
      parts.push(`${Number(a.seconds) || 0} s`);
      return parts.join(' · ');
    }
    case 'tts': return `Say: “${a.text || ''}”`;
    case 'webhook': return `Webhook → ${hostOf(a.url)}`;
    case 'counter': {
      const add = Number(a.add) || 0;
      return `Counter ${a.name || ''} ${add < 0 ? '−' : '+'}${formatExact(Math.abs(add))}`;
    }
    default: return String(a.type || 'Unknown action');
  }
}

/** "No cooldown", "30 s per viewer · 5 s for everyone". */
export function cooldownSummary(cooldown) {
  const user = Number(cooldown && cooldown.userSeconds) || 0;
  const global = Number(cooldown && cooldown.globalSeconds) || 0;
  const parts = [];
  if (user > 0) parts.push(`${formatExact(user)} s per viewer`);
  if (global > 0) parts.push(`${formatExact(global)} s for everyone`);
  return parts.length ? parts.join(' · ') : 'No cooldown';
}

/** The trigger for the form's type and its fields ({giftName, minDiamonds, every, command, keyword, phase}). */
export function triggerFrom(type, fields) {
  const f = fields || {};
  const trigger = { type };
  if (type === 'gift') {
    const name = String(f.giftName || '').trim();
    if (name) trigger.giftName = name;
    const min = numberOrText(f.minDiamonds);
    if (min !== undefined) trigger.minDiamonds = min;
  } else if (type === 'likes') {
    trigger.every = numberOrText(f.every);
  } else if (type === 'command') {
    trigger.command = String(f.command || '').trim();
  } else if (type === 'keyword') {
    trigger.keyword = String(f.keyword || '').trim();
  } else if (type === 'battle') {
    trigger.phase = f.phase === 'ended' ? 'ended' : 'started';
  }
  return trigger;
}

/** An action from its item's fields: only the keys of its type; empty media left out. */
export function actionFrom(type, fields) {
  const f = fields || {};
  switch (type) {
    case 'overlay': {
      const action = { type, text: String(f.text ?? ''), seconds: numberOrText(f.seconds) };
      if (f.image) action.image = f.image;
      if (f.sound) action.sound = f.sound;
      return action;
    }
    case 'tts': return { type, text: String(f.text ?? '') };
    case 'webhook': return { type, url: String(f.url ?? '').trim() };
    case 'counter': return { type, name: String(f.name ?? '').trim(), add: numberOrText(f.add) };
    default: return { type };
  }
}

/** A new action of a type, as the form first shows it. */
export function blankAction(type) {
  switch (type) {
    case 'overlay': return { type, text: '{nickname} sent {gift} ×{count}', seconds: 5 };
    case 'tts': return { type, text: '{nickname} says thank you!' };
    case 'webhook': return { type, url: '' };
    case 'counter': return { type, name: '', add: 1 };
    default: return { type };
  }
}

/** The body of POST/PUT /api/actions. */
export function ruleBody({ username, name, enabled, trigger, userSeconds, globalSeconds, actions, rotateSecret }) {
  const body = {
    username: String(username || '').trim(),
    name: String(name || '').trim(),
    enabled: Boolean(enabled),
    trigger,
    cooldown: { userSeconds: numberOrText(userSeconds) ?? 0, globalSeconds: numberOrText(globalSeconds) ?? 0 },
    actions,
  };
  if (rotateSecret) body.rotateSecret = true;
  return body;
}

/** A rule as PUT sends it back, `changes` on top (enabling or disabling one from the list). */
export function ruleUpdate(rule, changes = {}) {
  const { username, name, enabled, trigger, cooldown, actions } = rule;
  return { username, name, enabled, trigger, cooldown, actions, ...changes };
}

/** What a delivery's row says beside its status: "1 try · HTTP 200", "14 tries · timed out". */
export function deliverySummary(delivery) {
  const d = delivery || {};
  const parts = [plural(d.tries || 0, 'try', 'tries')];
  if (d.lastStatus) parts.push(`HTTP ${d.lastStatus}`);
  if (d.lastError) parts.push(String(d.lastError));
  return parts.join(' · ');
}

/** Whether a rule has a webhook action (it has a secret and deliveries). */
export function hasWebhook(rule) {
  return Array.isArray(rule && rule.actions) && rule.actions.some((a) => a && a.type === 'webhook');
}
