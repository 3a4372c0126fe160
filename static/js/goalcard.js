// TikTok's own LIVE goal (the creator sets it in TikTok), drawn from livestate.js's goalView: its
// description and each target's progress as a bar ("250 / 1,000"), marked once reached. Not the
// overlay's goal bar (goalbar.js), which is a goal the team sets on this app's totals.
//
// Hooks: the element gets data-goal-id and data-reached; each `.tgoal-target` data-kind, data-progress,
// data-target.

import { h } from './dom.js';
import { formatExact } from './format.js';
import { goalView } from './livestate.js';

// What a target counts, by its kind; another kind (TikTok's number for one we do not know) reads as is.
const KINDS = new Map([
  ['gift', 'Gifts'],
  ['likes', 'Likes'],
  ['followers', 'Followers'],
  ['subscribers', 'Subscribers'],
  ['diamonds', 'Diamonds'],
]);

function targetEl(target) {
  const fill = h('span', { className: 'tgoal-fill' });
  fill.style.width = `${target.share}%`;
  const label = KINDS.get(target.kind) || (target.kind && !/^\d+$/u.test(target.kind) ? target.kind : 'Target');
  return h('li', { className: 'tgoal-target', dataset: { kind: target.kind, progress: target.progress, target: target.target } },
    h('p', { className: 'tgoal-line' },
      h('span', { className: 'tgoal-kind', text: label }),
      h('span', { className: 'tgoal-count num', text: `${formatExact(target.progress)} / ${formatExact(target.target)}` })),
    h('span', { className: 'tgoal-track', attrs: { role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': target.target, 'aria-valuenow': Math.min(target.progress, target.target) } },
      fill));
}

/** el: the element to draw into (hidden while there is no goal). Returns {show(goal)}. */
export function createGoalCard(el) {
  return {
    /** Draw this goal (livestate.js's), or nothing (null: none set, or removed). */
    show(goal) {
      const shown = goalView(goal);
      el.hidden = shown === null;
      if (!shown) {
        el.replaceChildren();
        return;
      }
      Object.assign(el.dataset, { goalId: shown.goalId, reached: String(shown.reached) });
      el.replaceChildren(
        h('header', { className: 'poll-head' },
          h('span', { className: 'poll-label', text: 'LIVE goal' }),
          shown.reached ? h('span', { className: 'tgoal-reached', text: 'reached' }) : null),
        h('p', { className: 'poll-title', text: shown.description || 'The creator\'s goal' }),
        h('ol', { className: 'tgoal-targets' }, ...shown.targets.map(targetEl)),
      );
    },
  };
}
