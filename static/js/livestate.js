// What the LIVE is doing now, folded from the contract's events (docs/protocol.md, "Fields of each
// type"): the PK battle under way (or the last one, with its result), the poll, TikTok's own LIVE goal,
// the pinned chat line, and whether the creator has paused. The snapshot's `recent` events, then the live
// ones, are applied in order; each event type says only what it changes. The dashboard's cards
// (livecards.js) and the overlay's widgets draw what this holds, through the views below.
// Pure: no DOM, no clock of its own (tests/js/livestate.test.mjs runs it in Node).

/** An empty state: nothing under way. */
function nothing() {
  return { battle: null, poll: null, goal: null, pin: null, paused: false };
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function list(value) {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** A count as the contract sends it: a whole number >= 0, or null (TikTok masks it). */
function scoreOf(value) {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
}

function epochMs(value) {
  const n = Number(value);
  return value !== null && value !== undefined && Number.isFinite(n) && n > 0 ? n : null;
}

/** `user` with what `more` knows on top (a later event may name a host by its userId alone). */
function mergeUser(user, more) {
  const merged = { ...(user || {}) };
  for (const [key, value] of Object.entries(isObject(more) ? more : {})) {
    if (value !== undefined && value !== null && value !== '') merged[key] = value;
  }
  return merged;
}

/**
 * The battle after `event`: a new battleId starts a new one; within one, each team (matched by its
 * host's userId, else by its place) takes what the event says of it: a score (null: masked), its top
 * supporters. `endsAt`, the hosts' names and the supporters are kept from earlier events when an event
 * leaves them out.
 */
function nextBattle(battle, event) {
  const same = battle && battle.battleId === String(event.battleId ?? '');
  const before = same ? battle : { battleId: String(event.battleId ?? ''), teams: [], endsAt: null, result: null, endedAt: null };
  const teams = before.teams.map((team) => ({ ...team }));
  list(event.teams).forEach((given, index) => {
    const host = isObject(given.host) ? given.host : {};
    const at = host.userId ? teams.findIndex((team) => team.host.userId === String(host.userId)) : index;
    const team = teams[at] || { host: {}, score: null, top: [] };
    const next = { ...team, host: mergeUser(team.host, { ...host, userId: host.userId ? String(host.userId) : undefined }) };
    if ('score' in given) next.score = scoreOf(given.score);
    // A battle's supporters only come and climb: an event that names none (TikTok's end often does not)
    // keeps those known.
    if (list(given.top).length) {
      next.top = list(given.top).map((entry) => ({ user: isObject(entry.user) ? entry.user : {}, score: scoreOf(entry.score) }));
    }
    if (at >= 0 && at < teams.length) teams[at] = next;
    else teams.push(next);
  });
  const phase = ['started', 'scores', 'ended'].includes(event.phase) ? event.phase : before.phase || 'scores';
  const winner = isObject(event.result) ? event.result.winner : undefined;
  const result = isObject(event.result) ? { winner: winner === null || winner === undefined ? null : String(winner) } : before.result;
  return { battleId: before.battleId, phase, endsAt: epochMs(event.endsAt) ?? before.endsAt, teams, result, endedAt: endedAt(before, phase, event) };
}

/** When a battle or a poll ended (its `ended` event's ts), null while it runs. */
function endedAt(before, phase, event) {
  if (phase !== 'ended') return null;
  return before.endedAt ?? epochMs(event.ts);
}

/**
 * The poll after `event`: a new pollId is a new poll; its options are replaced when the event lists them,
 * an option without its text keeping the one it had at its place (TikTok may send the counts alone).
 */
function nextPoll(poll, event) {
  const same = poll && poll.pollId === String(event.pollId ?? '');
  const before = same ? poll : { pollId: String(event.pollId ?? ''), title: '', options: [], endsAt: null, endedAt: null };
  const options = Array.isArray(event.options)
    ? list(event.options).map((option, i) => ({
      text: typeof option.text === 'string' && option.text ? option.text : (before.options[i] && before.options[i].text) || '',
      votes: scoreOf(option.votes) ?? 0,
    }))
    : before.options;
  const phase = ['started', 'votes', 'ended'].includes(event.phase) ? event.phase : before.phase || 'votes';
  return {
    pollId: before.pollId,
    phase,
    title: typeof event.title === 'string' && event.title ? event.title : before.title,
    options,
    endsAt: epochMs(event.endsAt) ?? before.endsAt,
    endedAt: endedAt(before, phase, event),
  };
}

/** TikTok's goal after `event`: removed is none; else its description and targets as last said. */
function nextGoal(goal, event) {
  if (event.phase === 'removed') return null;
  const same = goal && goal.goalId === String(event.goalId ?? '');
  const before = same ? goal : { goalId: String(event.goalId ?? ''), description: '', targets: [] };
  const targets = Array.isArray(event.targets)
    ? list(event.targets).map((t) => ({ kind: String(t.kind ?? ''), target: scoreOf(t.target) ?? 0, progress: scoreOf(t.progress) ?? 0 }))
    : before.targets;
  return {
    goalId: before.goalId,
    phase: ['set', 'progress', 'reached'].includes(event.phase) ? event.phase : before.phase || 'progress',
    description: typeof event.description === 'string' ? event.description : before.description,
    targets,
  };
}

/**
 * A `chatDeleted` event as a test of the chat lines it takes away; null for any other event. TikTok's
 * ImDelete names the lines (delete_msg_ids) and their senders (delete_user_ids): a line goes by its own
 * `messageId`, so that one line deleted does not take its sender's other lines with it.
 */
export function deletionOf(event) {
  if (!isObject(event) || event.type !== 'chatDeleted') return null;
  const ids = new Set((Array.isArray(event.messageIds) ? event.messageIds : []).map((id) => String(id)));
  return (line) => Boolean(isObject(line) && line.type === 'chat' && line.messageId !== undefined
    && line.messageId !== null && ids.has(String(line.messageId)));
}

/**
 * A fold of the LIVE's state: apply(events) takes events in `seq` order and returns the names of the parts
 * that changed ('battle', 'poll', 'goal', 'pin', 'paused'); reset() forgets everything (another creator).
 */
export function createLiveState() {
  let state = nothing();

  function applyOne(event, changed) {
    switch (event.type) {
      case 'battle':
        state.battle = nextBattle(state.battle, event);
        changed.add('battle');
        break;
      case 'poll':
        state.poll = nextPoll(state.poll, event);
        changed.add('poll');
        break;
      case 'goal':
        state.goal = nextGoal(state.goal, event);
        changed.add('goal');
        break;
      case 'pin':
        state.pin = isObject(event.chat) ? { messageId: String(event.messageId ?? ''), chat: event.chat } : null;
        changed.add('pin');
        break;
      case 'chatDeleted':
        if (state.pin && deletionOf(event)({ type: 'chat', messageId: state.pin.messageId })) {
          state.pin = null;
          changed.add('pin');
        }
        break;
      case 'pause':
      case 'resume':
        if (state.paused !== (event.type === 'pause')) changed.add('paused');
        state.paused = event.type === 'pause';
        break;
      case 'end':
        // the LIVE is over: it is not paused, and nothing is pinned any more
        if (state.paused || state.pin) changed.add('paused').add('pin');
        state.paused = false;
        state.pin = null;
        break;
      default:
        break;
    }
  }

  return {
    apply(events) {
      const changed = new Set();
      for (const event of Array.isArray(events) ? events : []) {
        if (isObject(event)) applyOne(event, changed);
      }
      return changed;
    },
    reset() {
      state = nothing();
    },
    get battle() {
      return state.battle;
    },
    get poll() {
      return state.poll;
    },
    get goal() {
      return state.goal;
    },
    get pin() {
      return state.pin;
    },
    get paused() {
      return state.paused;
    },
  };
}

// --- what the cards and widgets show -------------------------------------------------------------------

/**
 * How long an ended battle or poll still shows, in ms at `now`, when it shows for `lingerMs` after its end
 * (the overlay: a result stays on stream a while, then goes); null: it shows on (it runs, or no limit).
 */
export function lingerLeft(endedAtMs, lingerMs, now) {
  if (endedAtMs === null || endedAtMs === undefined || lingerMs === null || lingerMs === undefined) return null;
  return Math.max(0, endedAtMs + lingerMs - now);
}

/** Seconds left until `endsAt` (epoch ms) at `now`, never below 0; null without an end. */
export function secondsLeft(endsAt, now) {
  const end = epochMs(endsAt);
  return end === null ? null : Math.max(0, Math.ceil((end - now) / 1000));
}

/** "4:05", "0:09", "1:02:03": a countdown's seconds. */
export function clockText(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const two = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return hours ? `${hours}:${two(minutes)}:${two(s % 60)}` : `${minutes}:${two(s % 60)}`;
}

/** Each share of a whole, in percent, summing to 100 (largest remainders); equal shares of nothing. */
export function shares(counts) {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (counts.length === 0) return [];
  if (total <= 0) return counts.map(() => 100 / counts.length);
  return counts.map((n) => (n / total) * 100);
}

function nameOf(user) {
  return (user && (user.nickname || user.uniqueId)) || 'Someone';
}

/** Which team is the creator's: the host whose handle is the creator followed (any case), else the first. */
function ownTeam(teams, creator) {
  const handle = String(creator || '').replace(/^@/u, '').toLowerCase();
  const found = teams.findIndex((team) => handle && String(team.host.uniqueId || '').toLowerCase() === handle);
  return found === -1 ? 0 : found;
}

/**
 * What a battle card shows: the teams, the creator's first ({name, user, score: number | null, masked,
 * share (of the bar, percent), top, own}); the bar is even while a score is masked; the countdown while
 * it runs; the result from the creator's side (won, lost, drawn) once it is known, and who won.
 */
export function battleView(battle, { creator = null, now = Date.now() } = {}) {
  if (!battle) return null;
  const own = ownTeam(battle.teams, creator);
  const ordered = battle.teams.length ? [battle.teams[own], ...battle.teams.filter((_, i) => i !== own)] : [];
  const masked = ordered.some((team) => team.score === null);
  const split = masked ? shares(ordered.map(() => 0)) : shares(ordered.map((team) => team.score));
  const teams = ordered.map((team, i) => ({
    user: team.host,
    name: nameOf(team.host),
    score: team.score,
    masked: team.score === null,
    share: split[i],
    top: team.top,
    own: i === 0,
  }));
  let result = null;
  if (battle.result) {
    const winner = battle.result.winner;
    const winning = winner === null ? null : teams.find((team) => String(team.user.userId || '') === winner) || null;
    let outcome = 'drawn';
    if (winner !== null) outcome = winning && winning.own ? 'won' : 'lost';
    const text = { won: 'Won', lost: 'Lost', drawn: 'Draw' }[outcome];
    result = { outcome, text, winner: winning ? winning.name : null };
  }
  const running = battle.phase !== 'ended';
  const left = running ? secondsLeft(battle.endsAt, now) : null;
  return { battleId: battle.battleId, phase: battle.phase, teams, masked, result, secondsLeft: left, running, endedAt: battle.endedAt };
}

/** What a poll card shows: each option with its votes, its share (percent) and whether it leads. */
export function pollView(poll, { now = Date.now() } = {}) {
  if (!poll) return null;
  const votes = poll.options.map((option) => option.votes);
  const total = votes.reduce((sum, n) => sum + n, 0);
  const most = Math.max(0, ...votes);
  const split = shares(votes);
  return {
    pollId: poll.pollId,
    title: poll.title,
    phase: poll.phase,
    running: poll.phase !== 'ended',
    total,
    options: poll.options.map((option, i) => ({
      text: option.text, votes: option.votes, share: total ? split[i] : 0, leads: total > 0 && option.votes === most,
    })),
    secondsLeft: poll.phase === 'ended' ? null : secondsLeft(poll.endsAt, now),
    endedAt: poll.endedAt,
  };
}

/** What TikTok's goal shows: each target's progress toward it (share in percent, capped at 100). */
export function goalView(goal) {
  if (!goal) return null;
  return {
    goalId: goal.goalId,
    description: goal.description,
    reached: goal.phase === 'reached' || (goal.targets.length > 0 && goal.targets.every((t) => t.target > 0 && t.progress >= t.target)),
    targets: goal.targets.map((t) => ({ ...t, share: t.target > 0 ? Math.min(100, (t.progress / t.target) * 100) : 0 })),
  };
}
