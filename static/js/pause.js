// Holding a feed still while it is read. A feed is paused while the mouse is over it or while its
// list is scrolled away from the top (the newest row is on top): its new rows are held, not drawn,
// and a button counts them ("12 new"). Clicking the button or scrolling back to the top shows them
// at once (and, with the mouse still over the feed, the next ones are held again); the mouse
// leaving a feed at the top lets it run again.

import { formatCount } from './format.js';
import { requestFlush } from './frame.js';

const TOP_SLACK_PX = 8; // this close to the top counts as the top

/**
 * section: the feed's box (hovering it pauses), list: its scrolling <ol>, button: its "N new"
 * button; onRelease(): draw the held rows now. Returns {paused, add(n), reset()}.
 */
export function createPause(section, list, button, onRelease) {
  let hovered = false;
  let scrolled = false;
  let count = 0; // new rows held since the feed last showed its newest (the true number, uncapped)

  function render() {
    section.dataset.paused = String(hovered || scrolled);
    button.hidden = count === 0;
    button.dataset.count = String(count);
    button.textContent = `${formatCount(count).text} new`;
    button.title = count ? 'Show the newest rows' : '';
  }

  function release() {
    count = 0;
    requestFlush(render);
    onRelease();
  }

  section.addEventListener('pointerenter', (e) => {
    if (e.pointerType === 'touch') return; // a tap is not a hover; scrolling pauses on touch screens
    hovered = true;
    requestFlush(render);
  });
  section.addEventListener('pointerleave', (e) => {
    if (e.pointerType === 'touch' || !hovered) return;
    hovered = false;
    if (scrolled) requestFlush(render);
    else release();
  });
  list.addEventListener('scroll', () => {
    const away = list.scrollTop > TOP_SLACK_PX;
    if (away === scrolled) return;
    scrolled = away;
    if (away) requestFlush(render);
    else release(); // back at the top: show the newest
  }, { passive: true });
  button.addEventListener('click', () => {
    scrolled = false;
    list.scrollTop = 0;
    release();
  });

  return {
    get paused() {
      return hovered || scrolled;
    },
    /** `n` more new rows are held (fewer, when negative: held rows taken out before they were seen). */
    add(n) {
      if (n === 0) return;
      count = Math.max(0, count + n);
      requestFlush(render);
    },
    /** The feed was emptied (another creator): nothing held, the list is back at its top. */
    reset() {
      count = 0;
      scrolled = false;
      requestFlush(render);
    },
  };
}
