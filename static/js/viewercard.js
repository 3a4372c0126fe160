// The viewer card: click a name or a picture (any `.user-link`: the feeds' rows, the leaderboards)
// and a dialog shows what that viewer did in this live: totals, first and last seen, their last
// comments and gifts, their badges (a subscriber, a super fan) and the creator's PK battles they were
// a top supporter in (docs/protocol.md: the `viewer` request), and, from the records, their history over the
// creator's recorded lives and the team's note on them (viewernote.js). It opens at once with what
// the click knew (name, handle) and says it is loading; a viewer the server knows nothing of is
// answered plainly, and so is a failure. Esc, the close button or a click beside the card close it;
// focus comes back to what opened it. Text goes in with textContent only.

import { avatar, h, setText } from './dom.js';
import { formatCount, formatExact, formatTime, toCount } from './format.js';
import { errorMessage } from './messages.js';
import { createViewerNote } from './viewernote.js';

const TOTALS = ['comments', 'likes', 'gifts', 'diamonds', 'follows', 'shares'];

const dayClock = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** A local time, with the day when it is not today. */
function seenAt(ts) {
  const n = Number(ts);
  if (!Number.isFinite(n) || n <= 0) return '—';
  const when = new Date(n);
  return when.toDateString() === new Date().toDateString() ? formatTime(n) : dayClock.format(when);
}

function timeEl(ts, className) {
  const n = Number(ts);
  if (!Number.isFinite(n) || n <= 0) return null;
  return h('time', { className, text: formatTime(n), attrs: { datetime: new Date(n).toISOString() } });
}

function handleOf(who) {
  return who.uniqueId ? `@${who.uniqueId}` : '';
}

// A badge of the card's `badges`, by name; another name reads as it is.
const BADGES = new Map([
  ['subscriber', { text: 'Subscriber', title: 'Subscribed to the creator during this live' }],
  ['superfan', { text: 'Super fan', title: 'A super fan of the creator' }],
]);

const OUTCOMES = ['won', 'lost', 'drawn'];

const calendarDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

/** "Seen in 3 recorded lives since 2 Nov 2026 · 14 comments · 5 gifts · 120 diamonds · 300 likes"; '' without. */
function historyText(history) {
  if (!history || typeof history !== 'object') return '';
  const lives = toCount(history.lives);
  if (!lives) return '';
  const totals = history.totals || {};
  const first = Number(history.firstSeen);
  const since = Number.isFinite(first) && first > 0 ? ` since ${calendarDay.format(new Date(first))}` : '';
  const counted = [['comments', 'comment'], ['gifts', 'gift'], ['diamonds', 'diamond'], ['likes', 'like']]
    .map(([key, one]) => [toCount(totals[key]), key, one]).filter(([n]) => n)
    .map(([n, key, one]) => `${formatExact(n)} ${n === 1 ? one : key}`);
  const where = lives === 1 ? 'Seen in this live only, of the recorded lives' : `Seen in ${formatExact(lives)} recorded lives${since}`;
  return [where, ...counted].join(' · ');
}

/** "Top supporter in 2 PK battles · 1,500 points · won 1, lost 1"; '' for a viewer in none. */
function battlesText(totals, battles) {
  const count = toCount(totals.battlesSupported);
  if (!count) return '';
  const points = toCount(totals.battlePoints);
  const outcomes = OUTCOMES.map((outcome) => [outcome, battles.filter((b) => b && b.result === outcome).length])
    .filter(([, n]) => n).map(([outcome, n]) => `${outcome} ${formatExact(n)}`);
  return [`Top supporter in ${formatExact(count)} PK ${count === 1 ? 'battle' : 'battles'}`,
    `${formatExact(points)} ${points === 1 ? 'point' : 'points'}`, ...(outcomes.length ? [outcomes.join(', ')] : [])].join(' · ');
}

/**
 * dialog: the <dialog id="viewer-card"> of index.html; request(userId): resolves to the `viewer`
 * ack. Clicks on `.user-link` elements anywhere under `root` open it. `saveNote(userId, text)`: resolves to
 * regulars.js saveNote's answer for the creator shown; null (recording off) leaves the note out.
 * Returns {open(who), close()}.
 */
export function createViewerCard(dialog, request, root = document, { saveNote = null } = {}) {
  const part = (id) => dialog.querySelector(`#${id}`);
  const els = {
    picture: part('viewer-card-avatar'),
    name: part('viewer-card-name'),
    handle: part('viewer-card-handle'),
    badges: part('viewer-card-badges'),
    battles: part('viewer-card-battles'),
    status: part('viewer-card-status'),
    retry: part('viewer-card-retry'),
    body: part('viewer-card-body'),
    first: part('viewer-first-seen'),
    last: part('viewer-last-seen'),
    comments: part('viewer-card-comments'),
    gifts: part('viewer-card-gifts'),
    commentsCount: part('viewer-card-comments-count'),
    giftsCount: part('viewer-card-gifts-count'),
    close: part('viewer-card-close'),
    history: part('viewer-card-history'),
  };
  const note = createViewerNote(saveNote ? part('viewer-note') : null, (userId, text) => saveNote(userId, text));
  let asked = 0; // the request whose answer is awaited; older answers are dropped
  let current = null; // {userId, uniqueId, nickname} shown
  let opener = null; // {el, listId, userId}: what had the focus when the card opened, and where it was

  function setState(state, message = '') {
    dialog.dataset.state = state;
    setText(els.status, message);
    els.status.hidden = message === '';
    els.retry.hidden = state !== 'error';
    els.body.hidden = state !== 'ready';
    dialog.setAttribute('aria-busy', String(state === 'loading'));
  }

  function showWho(who) {
    els.picture.replaceChildren(avatar(who, 'avatar avatar-card'));
    setText(els.name, who.nickname || who.uniqueId || 'Viewer');
    setText(els.handle, handleOf(who));
  }

  function showBadges(names) {
    const badges = (Array.isArray(names) ? names : []).filter((name) => typeof name === 'string' && name);
    els.badges.replaceChildren(...badges.map((name) => {
      const known = BADGES.get(name) || { text: name, title: '' };
      return h('li', { className: `vc-badge vc-badge-${name.replace(/[^a-z]/giu, '')}`, text: known.text, dataset: { kind: name }, attrs: { title: known.title || undefined } });
    }));
    els.badges.hidden = badges.length === 0;
  }

  function showViewer(viewer) {
    const user = { ...current, ...(viewer.user || {}) };
    showWho(user);
    const totals = viewer.totals || {};
    for (const key of TOTALS) {
      const el = part(`viewer-total-${key}`);
      const n = toCount(totals[key]);
      const { text, title } = formatCount(n);
      el.dataset.value = String(n);
      setText(el, text);
      el.title = title;
    }
    showBadges(viewer.badges);
    const battles = battlesText(totals, Array.isArray(viewer.battles) ? viewer.battles : []);
    setText(els.battles, battles);
    els.battles.hidden = battles === '';
    const history = historyText(viewer.history);
    if (els.history) {
      setText(els.history, history);
      els.history.hidden = history === '';
    }
    note.show(current.userId, viewer.note);
    setText(els.first, seenAt(viewer.firstSeen));
    setText(els.last, seenAt(viewer.lastSeen));
    for (const [el, ts] of [[els.first, viewer.firstSeen], [els.last, viewer.lastSeen]]) {
      const n = Number(ts);
      if (Number.isFinite(n) && n > 0) el.setAttribute('datetime', new Date(n).toISOString());
      else el.removeAttribute('datetime');
    }

    const comments = (Array.isArray(viewer.comments) ? viewer.comments : []).slice(-50).reverse(); // newest first
    els.comments.replaceChildren(...comments.map((c) => h('li', { className: 'vc-item' },
      h('p', { className: 'vc-comment', text: (c && c.comment) ?? '' }),
      timeEl(c && c.ts, 'vc-time'))));
    els.comments.dataset.count = String(comments.length);
    setText(els.commentsCount, comments.length ? formatExact(comments.length) : '');

    const gifts = (Array.isArray(viewer.gifts) ? viewer.gifts : []).slice(-50).reverse();
    els.gifts.replaceChildren(...gifts.map((g) => {
      const repeat = Math.max(1, toCount(g && g.repeatCount));
      const diamonds = toCount(g && g.diamonds);
      return h('li', { className: 'vc-item vc-gift', dataset: { diamonds } },
        h('span', { className: 'vc-gift-name', text: (g && g.giftName) || 'Gift' }),
        h('span', { className: 'vc-gift-repeat num', text: `×${formatExact(repeat)}` }),
        h('span', { className: 'vc-gift-diamonds num', text: formatExact(diamonds) },
          h('span', { className: 'diamond-icon', attrs: { 'aria-label': 'diamonds', role: 'img' } })),
        timeEl(g && g.ts, 'vc-time'));
    }));
    els.gifts.dataset.count = String(gifts.length);
    setText(els.giftsCount, gifts.length ? formatExact(gifts.length) : '');
  }

  async function load() {
    const who = current;
    asked += 1;
    const mine = asked;
    setState('loading', `Loading ${handleOf(who) || 'this viewer'}…`);
    let ack;
    try {
      ack = await request(who.userId);
    } catch (err) {
      ack = { ok: false, error: { code: 'unknown', message: String((err && err.message) || err) } };
    }
    if (mine !== asked || !dialog.open) return; // another viewer was asked for since, or the card closed
    if (ack && ack.ok && ack.viewer && typeof ack.viewer === 'object') {
      showViewer(ack.viewer);
      setState('ready');
      return;
    }
    const error = (ack && ack.error) || { code: 'bad_response' };
    if (error.code === 'not_found') {
      setState('not_found', `${handleOf(who) || who.nickname || 'This viewer'} has done nothing in this live yet.`);
    } else if (error.code === 'disconnected') {
      setState('error', 'Could not load this card: this page is not connected to the server right now. Try again once it is back.');
    } else {
      setState('error', `Could not load this card. ${errorMessage(error)}`);
    }
  }

  /** Open the card of `who` ({userId, uniqueId?, nickname?}) and ask the server for it. */
  function open(who, from = null) {
    if (!who || !who.userId) return;
    current = { userId: String(who.userId), uniqueId: who.uniqueId || '', nickname: who.nickname || '', avatarUrl: who.avatarUrl };
    dialog.dataset.userId = current.userId;
    showWho(current);
    showBadges([]); // until the server says
    note.hide();
    if (!dialog.open) {
      const el = from || (document.activeElement instanceof HTMLElement ? document.activeElement : null);
      const list = el && el.closest('ol[id]');
      opener = el ? { el, listId: list ? list.id : null, userId: el.dataset.userId } : null;
      dialog.showModal();
    }
    els.close.focus();
    load();
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  dialog.addEventListener('close', () => {
    asked += 1; // an answer still on its way is dropped
    dialog.dataset.state = 'closed';
    const back = opener;
    opener = null;
    if (!back) return;
    if (back.el.isConnected) {
      back.el.focus({ preventScroll: true });
      return;
    }
    // The row was redrawn meanwhile (a board is rebuilt when it changes): the same viewer's button there.
    const list = back.listId && document.getElementById(back.listId);
    const again = list && Array.from(list.querySelectorAll('button.user-link')).find((el) => el.dataset.userId === back.userId);
    if (again) again.focus({ preventScroll: true });
  });
  // A click on the backdrop (the dialog element itself, outside its content box) closes it.
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = e.clientX >= box.left && e.clientX <= box.right && e.clientY >= box.top && e.clientY <= box.bottom;
    if (!inside) close();
  });
  els.close.addEventListener('click', close);
  els.retry.addEventListener('click', () => {
    if (current) load();
  });

  root.addEventListener('click', (e) => {
    const link = e.target instanceof Element ? e.target.closest('.user-link') : null;
    if (!link || !link.dataset.userId || dialog.contains(link)) return;
    e.preventDefault();
    // the nickname: the link's own text (a name button) or the row's name button beside a picture
    const row = link.closest('li');
    const named = link.classList.contains('nick') ? link : (row && row.querySelector(`.user-link.nick, .board-nick`));
    const picture = link.querySelector('img.avatar') || (link.matches('img.avatar') ? link : row && row.querySelector('img.avatar'));
    open({
      userId: link.dataset.userId,
      uniqueId: link.dataset.uniqueId,
      nickname: named ? named.textContent : '',
      avatarUrl: picture ? picture.getAttribute('src') : '',
    }, link.matches('button') ? link : (row && row.querySelector('button.user-link')) || link);
  });

  setState('closed');
  return { open, close };
}
