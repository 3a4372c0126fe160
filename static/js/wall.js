// The wall (/wall): a tile per creator of the roster, live numbers from `summary` events (wallsocket.js),
// this month's pace from the month API (wallroster.js), sorting, and the roster editor. docs/wall.md.

import { setText } from './dom.js';
import { keptGet, keptSet } from './storage.js';
import { parseUsername } from './usernames.js';
import { createWallConnection } from './wallsocket.js';
import { loadMonth, loadRoster, removeRosterEntry, saveRosterEntry } from './wallroster.js';
import { WallTile } from './walltile.js';

const SORT_KEY = 'liveAssistant.wall.sort';
const MONTH_REFRESH_MS = 5 * 60_000;
const MONTH_REQUESTS_AT_ONCE = 4;

const grid = document.getElementById('wall-grid');
const empty = document.getElementById('wall-empty');
const problem = document.getElementById('wall-problem');
const socketState = document.getElementById('wall-socket');
const sortSelect = document.getElementById('wall-sort');
const form = document.getElementById('roster-form');
const formMessage = document.getElementById('roster-message');
const counts = document.getElementById('wall-counts');

const tiles = new Map(); // username -> WallTile, in the roster's order

function showProblem(text) {
  problem.hidden = !text;
  setText(problem, text || '');
}

function sortTiles() {
  const order = sortSelect.value;
  const list = [...tiles.values()];
  const rosterIndex = new Map(list.map((tile, i) => [tile, i]));
  if (order === 'status') {
    list.sort((a, b) => a.statusRank - b.statusRank || rosterIndex.get(a) - rosterIndex.get(b));
  } else if (order === 'pace') {
    const pace = (tile) => (tile.pace === null || tile.pace === undefined ? Infinity : tile.pace);
    list.sort((a, b) => pace(a) - pace(b) || rosterIndex.get(a) - rosterIndex.get(b));
  }
  list.forEach((tile, i) => {
    if (grid.children[i] !== tile.element) grid.insertBefore(tile.element, grid.children[i] || null);
  });
  const live = list.filter((tile) => tile.summary && tile.summary.status === 'connected').length;
  setText(counts, `${live} of ${list.length} live`);
  counts.dataset.live = String(live);
  counts.dataset.total = String(list.length);
}

let sortQueued = false;
function sortSoon() {
  if (sortQueued) return;
  sortQueued = true;
  requestAnimationFrame(() => {
    sortQueued = false;
    sortTiles();
  });
}

async function refreshMonths(list = [...tiles.values()]) {
  const queue = [...list];
  const worker = async () => {
    for (let tile = queue.shift(); tile; tile = queue.shift()) {
      try {
        tile.setMonth(await loadMonth(tile.username));
      } catch (err) {
        tile.setMonth({ error: err.message });
      }
    }
  };
  await Promise.all(Array.from({ length: MONTH_REQUESTS_AT_ONCE }, worker));
  sortSoon();
}

const connection = createWallConnection({
  onSummary(summary) {
    const tile = tiles.get(summary.username);
    if (!tile) return;
    tile.update(summary);
    sortSoon();
  },
  onState(state) {
    socketState.dataset.state = state;
    setText(socketState, { connected: 'Live updates on', connecting: 'Connecting…', reconnecting: 'Reconnecting…',
      refused: 'Refused by the server' }[state] || state);
  },
  onProblem(error) {
    showProblem(error ? error.message : '');
  },
});

function removeTile(username) {
  const tile = tiles.get(username);
  if (tile) tile.element.remove();
  tiles.delete(username);
}

function setRoster(roster) {
  const names = new Set(roster.map((entry) => entry.username));
  for (const username of [...tiles.keys()]) if (!names.has(username)) removeTile(username);
  const added = [];
  const ordered = new Map();
  for (const entry of roster) {
    let tile = tiles.get(entry.username);
    if (tile) tile.setEntry(entry);
    else {
      tile = new WallTile(entry);
      tile.remove.addEventListener('click', () => removeCreator(entry.username));
      grid.append(tile.element);
      added.push(tile);
    }
    ordered.set(entry.username, tile);
  }
  tiles.clear();
  for (const [username, tile] of ordered) tiles.set(username, tile);
  empty.hidden = tiles.size > 0;
  const max = Number(grid.dataset.max) || 50;
  [...tiles.values()].slice(max).forEach((tile) => tile.notFollowed(max));
  connection.follow([...tiles.keys()].slice(0, max));
  if (added.length) refreshMonths(added);
  sortSoon();
}

async function reloadRoster() {
  try {
    setRoster(await loadRoster());
    showProblem('');
  } catch (err) {
    showProblem(err.message);
  }
}

async function removeCreator(username) {
  try {
    await removeRosterEntry(username);
    await reloadRoster();
  } catch (err) {
    showProblem(err.message);
  }
}

function targetValue(input) {
  const text = input.value.trim();
  return text === '' ? null : Number(text);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const parsed = parseUsername(String(data.get('username') || ''));
  if (!parsed.username) {
    formMessage.dataset.kind = 'error';
    setText(formMessage, parsed.error.message);
    return;
  }
  const { username } = parsed;
  const targets = {
    hours: targetValue(form.elements.hours),
    validDays: targetValue(form.elements.validDays),
    diamonds: targetValue(form.elements.diamonds),
  };
  const entry = { username, displayName: String(data.get('displayName') || '').trim() || null };
  if (Object.values(targets).some((value) => value !== null)) entry.targets = targets;
  try {
    await saveRosterEntry(entry);
    formMessage.dataset.kind = 'info';
    setText(formMessage, `@${username} is on the roster`);
    form.reset();
    await reloadRoster();
    const tile = tiles.get(username);
    if (tile) refreshMonths([tile]);
  } catch (err) {
    formMessage.dataset.kind = 'error';
    setText(formMessage, err.message);
  }
});

sortSelect.value = keptGet(SORT_KEY) || 'status';
sortSelect.addEventListener('change', () => {
  keptSet(SORT_KEY, sortSelect.value);
  sortTiles();
});

reloadRoster();
setInterval(() => refreshMonths(), MONTH_REFRESH_MS);