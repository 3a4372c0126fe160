// A PK battle, drawn from livestate.js's battleView: each host (picture, name, score), the scores as one
// bar (even and hatched while TikTok masks a score), the countdown to its end, the result from the
// creator's side once it ended, each side's top supporters, and the live's battles won, lost and
// drawn. The dashboard's battle card (livecards.js) and the overlay's battle widget (overlay.js: the bar
// and the clock only, names as plain text) both draw it here. Text goes in with textContent only (dom.js).
//
// Hooks (templates/index.html, overlay.html): the element gets data-battle-id, data-phase, data-outcome
// (won|lost|drawn, '' before the end) and data-masked; each `.battle-team` data-user-id, data-own and
// data-score ('' when masked); each `.battle-segment` data-share; `.battle-clock` data-seconds;
// `.battle-record` (the live's battles, on the dashboard) data-won, data-lost, data-drawn.

import { avatar, h, setText } from './dom.js';
import { formatCount, formatExact, toCount } from './format.js';
import { battleView, clockText } from './livestate.js';
import { createLiveWidget } from './livewidget.js';
import { nickEl } from './rows.js';

const TOP_SHOWN = 3; // supporters shown per side

const COMPACT_SCORES_FROM = 1_000_000; // both sides in full below this: "12,500" beside "8,320", never "12.5K"

function scoreText(team, compact) {
  return team.masked ? 'hidden' : formatCount(team.score, { compact }).text;
}

function teamEl(team, links, compact) {
  return h('div', { className: team.own ? 'battle-team is-own' : 'battle-team', dataset: { userId: team.user.userId, own: team.own, score: team.masked ? '' : team.score } },
    avatar(team.user, 'avatar battle-avatar', { link: links }),
    h('div', { className: 'battle-who' },
      nickEl(team.user, links),
      h('span', { className: team.masked ? 'battle-score num is-masked' : 'battle-score num', text: scoreText(team, compact), attrs: { title: team.masked ? 'TikTok hides this score' : formatExact(team.score) } })));
}

/** One form for both sides' scores: shortened only when one of them is past a million. */
function compactScores(teams) {
  return teams.some((team) => !team.masked && toCount(team.score) >= COMPACT_SCORES_FROM);
}

function barEl(teams) {
  const label = teams.map((team) => `${team.name} ${team.masked ? 'hidden' : formatExact(team.score)}`).join(', ');
  const bar = h('div', { className: 'battle-bar', attrs: { role: 'img', 'aria-label': `Scores: ${label}` } });
  for (const team of teams) {
    const segment = h('span', { className: team.own ? 'battle-segment is-own' : 'battle-segment', dataset: { share: team.share.toFixed(1) } });
    segment.style.flexBasis = `${team.share}%`;
    bar.append(segment);
  }
  return bar;
}

function supportersEl(team, links) {
  const top = team.top.slice(0, TOP_SHOWN);
  return h('ol', { className: team.own ? 'battle-top is-own' : 'battle-top', attrs: { 'aria-label': `${team.name}'s top supporters` } },
    ...top.map((entry) => h('li', { className: 'battle-top-row', dataset: { userId: entry.user.userId } },
      avatar(entry.user, 'avatar avatar-small', { link: links }),
      nickEl(entry.user, links),
      h('span', { className: 'battle-top-score num', text: entry.score === null ? '—' : formatCount(entry.score).text }))));
}

/** "This live: 2 won · 1 lost · 0 drawn", from the metrics' `battles`; null before any battle ended. */
function recordEl(battles) {
  const counts = ['won', 'lost', 'drawn'].map((key) => [key, toCount(battles && battles[key])]);
  if (counts.every(([, n]) => n === 0)) return null;
  return h('p', { className: 'battle-record', dataset: Object.fromEntries(counts) },
    h('span', { className: 'battle-record-label', text: 'This live' }),
    h('span', { className: 'num', text: counts.map(([key, n]) => `${formatExact(n)} ${key}`).join(' · ') }));
}

/**
 * el: the element to draw into (emptied and hidden while there is no battle). creator(): the creator
 * followed (their side comes first and the result is theirs); supporters: draw the top supporters;
 * links: names and pictures open the viewer card; record(): the metrics' `battles` of this live, said
 * under the battle (null: not said); lingerMs: an ended battle shows this long after its end (null:
 * until the next). Returns {show(battle)}.
 */
export function createBattleWidget(el, { creator = () => null, supporters = true, links = true, record = () => null, lingerMs = null } = {}) {
  let battle = null;

  function fill(shown) {
    Object.assign(el.dataset, {
      battleId: shown.battleId, phase: shown.phase, outcome: shown.result ? shown.result.outcome : '', masked: String(shown.masked),
    });
    const status = shown.result
      ? h('span', { className: 'battle-result', dataset: { outcome: shown.result.outcome }, text: shown.result.text, attrs: { title: shown.result.winner ? `${shown.result.winner} won` : 'A draw' } })
      : h('span', { className: 'battle-clock num', attrs: { title: 'Time left' } });
    const parts = [
      h('header', { className: 'battle-head' },
        h('span', { className: 'battle-title', text: shown.running ? 'PK battle' : 'PK battle · ended' }),
        status),
      h('div', { className: 'battle-teams' }, ...shown.teams.map((team) => teamEl(team, links, compactScores(shown.teams)))),
      barEl(shown.teams),
    ];
    if (supporters && shown.teams.some((team) => team.top.length)) {
      parts.push(h('div', { className: 'battle-tops' }, ...shown.teams.map((team) => supportersEl(team, links))));
    }
    const tally = recordEl(record());
    if (tally) parts.push(tally);
    el.replaceChildren(...parts);
  }

  /** The countdown, while the battle runs and TikTok said when it ends. */
  function clock(shown) {
    const shownClock = el.querySelector('.battle-clock');
    if (!shownClock) return false;
    shownClock.dataset.seconds = shown.secondsLeft === null ? '' : String(shown.secondsLeft);
    setText(shownClock, shown.secondsLeft === null ? '' : clockText(shown.secondsLeft));
    return shown.running && Boolean(shown.secondsLeft);
  }

  const widget = createLiveWidget(el, { view: () => battleView(battle, { creator: creator(), now: Date.now() }), fill, clock, lingerMs });

  return {
    /** Draw this battle (livestate.js's), or nothing (null). */
    show(next) {
      battle = next;
      widget.draw();
    },
  };
}
