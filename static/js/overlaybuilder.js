// The dashboard's overlay builder (#overlay-builder in templates/index.html): pick widgets and options,
// see the overlay in a silent preview, copy its URL. Every URL is made by the server
// (POST /api/overlay-url, assistant/overlays/pages.py), the same parser as the overlay page's: the builder
// never hands out a URL the page refuses, and with ACCESS_PASSWORD set the URL comes signed. The form's
// fields are named as the URL's options (but the parts of one: alertOn's likes step, tts's two boxes, a colour's
// switch); only the chosen widgets' options are sent. A refusal of one
// option's value (the answer's `option` and `rule`) is said of the field the user sees: its data-label
// ("“Rows shown” must be a whole number from 1 to 50, not '0'."), and the field is marked invalid.

const MAKE_DELAY_MS = 250; // a URL is made this long after the last change

const byId = (id) => document.getElementById(id);
const els = {
  panel: byId('overlay-builder'),
  form: byId('ob-form'),
  username: byId('ob-username'),
  url: byId('ob-url'),
  copy: byId('ob-copy'),
  message: byId('ob-message'),
  preview: byId('ob-preview'),
};

let timer = null;
let made = 0; // requests sent: only the last one's answer counts
let shownPath = null; // what the preview shows

function say(text, kind = 'info') {
  els.message.textContent = text;
  els.message.dataset.kind = kind;
}

/** The options for the URL, from the form: {widgets, goal?, max?, ...} as the page's query names them. */
function formOptions() {
  const data = new FormData(els.form);
  const widgets = data.getAll('widgets');
  const options = { widgets: widgets.join(',') };
  const flag = (name) => (data.get(name) === 'on' ? '1' : '0');
  if (widgets.includes('goal')) options.goal = `${data.get('goalMetric')}:${String(data.get('goalTarget')).trim()}`;
  if (widgets.includes('chat') || widgets.includes('gifts')) options.max = data.get('max');
  if (widgets.includes('alerts') || widgets.includes('actions')) options.queue = data.get('queue');
  if (widgets.includes('alerts')) {
    for (const name of ['minDiamonds', 'seconds']) options[name] = data.get(name);
    for (const name of ['sound', 'repeatStreaks']) options[name] = flag(name);
    options.alertOn = data.getAll('alertOn')
      .map((kind) => (kind === 'likes' ? `likes:${String(data.get('likesEvery')).trim()}` : kind)).join(',');
  }
  if (widgets.includes('featured')) options.featuredSeconds = data.get('featuredSeconds');
  const tts = [];
  if (widgets.includes('alerts') && data.get('tts') === 'on') tts.push('alerts');
  if (data.get('ttsChat') === 'on') {
    tts.push('chat');
    options.ttsRate = data.get('ttsRate');
  }
  options.tts = tts.length ? tts.join(',') : '0';
  if (widgets.includes('leaderboard')) Object.assign(options, { board: data.get('board'), rows: data.get('rows') });
  if (widgets.includes('counter')) options.counter = String(data.get('counter')).trim();
  if (widgets.includes('chat') || widgets.includes('gifts')) options.direction = data.get('direction');
  for (const name of ['fontScale', 'font', 'align', 'background']) options[name] = data.get(name);
  for (const name of ['textColor', 'accentColor']) if (data.get(`${name}On`) === 'on') options[name] = data.get(name);
  return options;
}

/** Only the chosen widgets' options are shown; a colour picker, a likes step and a rate only when they apply. */
function showRelevant() {
  const data = new FormData(els.form);
  const chosen = data.getAll('widgets');
  for (const set of els.form.querySelectorAll('[data-for]')) {
    set.hidden = !set.dataset.for.split(' ').some((name) => chosen.includes(name));
  }
  byId('ob-text-color').disabled = data.get('textColorOn') !== 'on';
  byId('ob-accent-color').disabled = data.get('accentColorOn') !== 'on';
  byId('ob-likes-every').disabled = !data.getAll('alertOn').includes('likes');
  byId('ob-tts-rate').disabled = data.get('ttsChat') !== 'on';
}

function clearUrl() {
  els.url.value = '';
  els.copy.disabled = true;
}

/** The form's field for a URL option (data-option), or null. */
function fieldFor(option) {
  if (typeof option !== 'string') return null;
  return els.form.querySelector(`[data-option="${CSS.escape(option)}"]`);
}

/** Only `field` (or none) is marked invalid. */
function markInvalid(field) {
  for (const marked of els.form.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute('aria-invalid');
  if (field) field.setAttribute('aria-invalid', 'true');
}

/** What to say of a 400: the rule of the field's label when one field is at fault, else the server's line. */
function refusal(body) {
  const field = fieldFor(body.option);
  markInvalid(field);
  if (field && field.dataset.label && typeof body.rule === 'string') return `“${field.dataset.label}” ${body.rule}`;
  return body.message || 'The server refused these options.';
}

async function make() {
  timer = null;
  const ticket = ++made;
  const username = els.username.value.trim();
  if (!username) {
    clearUrl();
    say('Name the creator the overlay follows.');
    return;
  }
  const data = new FormData(els.form);
  if (!data.getAll('widgets').length) {
    clearUrl();
    markInvalid(fieldFor('widgets'));
    say('Choose one or more widgets.');
    return;
  }
  if (data.getAll('widgets').includes('alerts') && !data.getAll('alertOn').length) {
    clearUrl();
    markInvalid(null);
    say('Choose what alerts: gifts, follows, shares, subscriptions or likes.');
    return;
  }
  let response;
  let body;
  try {
    response = await fetch('/api/overlay-url', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username, options: formOptions() }),
    });
    body = await response.json();
  } catch {
    body = null;
  }
  if (ticket !== made) return; // a newer change is on its way
  if (!response || !body) {
    clearUrl();
    say('The server did not answer; try again.', 'warning');
  } else if (response.status === 401) {
    clearUrl();
    say('Your login has ended: reload the page and log in.', 'warning');
  } else if (!response.ok) {
    clearUrl();
    say(refusal(body), 'warning');
  } else {
    markInvalid(null);
    els.url.value = body.url;
    els.copy.disabled = false;
    say('Paste this URL into an OBS Browser source.');
    showPreview(`${body.path}?${body.query}`);
  }
}

function showPreview(path) {
  if (!els.panel.open || path === shownPath) return;
  shownPath = path;
  els.preview.src = path;
}

function schedule() {
  showRelevant();
  window.clearTimeout(timer);
  timer = window.setTimeout(make, MAKE_DELAY_MS);
}

async function copy() {
  const text = els.url.value;
  if (!text) return;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    els.url.select(); // no clipboard API (plain http on another host): the old way
    if (!document.execCommand('copy')) {
      say('Select the URL and copy it (Ctrl+C).', 'warning');
      return;
    }
  }
  say('Copied. In OBS: Sources, +, Browser, paste it as the URL.');
}

/** The creator the dashboard shows, as the builder's default. */
function dashboardCreator() {
  const shown = byId('session-username');
  return (shown && shown.dataset.value) || '';
}

els.form.addEventListener('input', schedule);
els.form.addEventListener('change', schedule);
els.form.addEventListener('submit', (event) => event.preventDefault());
els.copy.addEventListener('click', copy);
els.panel.addEventListener('toggle', () => {
  if (!els.panel.open) {
    shownPath = null;
    els.preview.src = 'about:blank'; // the preview's session is left to its cleanup
    return;
  }
  if (!els.username.value.trim()) els.username.value = dashboardCreator();
  shownPath = null;
  schedule();
});
showRelevant();
