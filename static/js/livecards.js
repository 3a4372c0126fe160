// What is happening on the LIVE, on the dashboard (docs/dashboard.md, "On the LIVE now"): the battle card
// (with the live's battles won, lost and drawn, from the metrics), the poll card and TikTok's goal (a row of cards under the totals, shown while one of them has
// something), the pinned chat line above the chat, and whether the creator paused (said in the header,
// through onPaused). All of it is folded from the events by livestate.js: the snapshot's recent events,
// then the live ones; drawn once per animation frame.
//
// Elements: see the comment at the top of templates/index.html ("On the LIVE now").

import { createBattleWidget } from './battlewidget.js';
import { avatar, h } from './dom.js';
import { requestFlush } from './frame.js';
import { createGoalCard } from './goalcard.js';
import { createLiveState } from './livestate.js';
import { createPollWidget } from './pollwidget.js';
import { nickEl } from './rows.js';

const PARTS = ['battle', 'poll', 'goal', 'pin', 'paused'];

/** creator(): the creator followed (the battle is told from their side); onPaused(paused). */
export function createLiveCards({ creator, onPaused }, root = document) {
  const byId = (id) => root.getElementById(id);
  const els = { area: byId('live-now'), battle: byId('battle-card'), poll: byId('poll-card'), goal: byId('tiktok-goal'), pin: byId('chat-pin') };
  const state = createLiveState();
  let battles = null; // the metrics' `battles`: this live's won, lost and drawn
  const battle = createBattleWidget(els.battle, { creator, record: () => battles });
  const poll = createPollWidget(els.poll);
  const goal = createGoalCard(els.goal);
  let changed = new Set(PARTS);

  function showPin(pin) {
    els.pin.hidden = pin === null;
    if (!pin) {
      els.pin.replaceChildren();
      delete els.pin.dataset.messageId;
      return;
    }
    const user = (pin.chat && pin.chat.user) || {};
    els.pin.dataset.messageId = pin.messageId;
    els.pin.replaceChildren(
      h('span', { className: 'pin-label', text: 'Pinned' }),
      avatar(user, 'avatar avatar-small', { link: true }),
      h('p', { className: 'pin-line' },
        nickEl(user),
        h('span', { className: 'pin-text', text: pin.chat.comment ?? '' })));
  }

  function render() {
    const parts = changed;
    changed = new Set();
    if (parts.has('battle')) battle.show(state.battle);
    if (parts.has('poll')) poll.show(state.poll);
    if (parts.has('goal')) goal.show(state.goal);
    if (parts.has('pin')) showPin(state.pin);
    if (parts.has('paused')) onPaused(state.paused);
    els.area.hidden = els.battle.hidden && els.poll.hidden && els.goal.hidden;
  }

  function apply(events) {
    for (const part of state.apply(events)) changed.add(part);
    if (changed.size) requestFlush(render);
  }

  return {
    /** Another creator, or none: nothing under way. */
    reset() {
      state.reset();
      battles = null;
      for (const part of PARTS) changed.add(part);
      requestFlush(render);
    },
    /** A snapshot: the state its recent events make. */
    snapshot(events) {
      state.reset();
      for (const part of PARTS) changed.add(part);
      apply(events);
      requestFlush(render);
    },
    /** New events, in seq order. */
    push: apply,
    /** The metrics (a snapshot's, or an update): the battle card says the live's battles. */
    metrics(values) {
      if (!values || typeof values !== 'object' || !('battles' in values)) return;
      battles = values.battles;
      changed.add('battle');
      requestFlush(render);
    },
  };
}
