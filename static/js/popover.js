// A [popover] panel placed under the button that opens it (left edges aligned, so that it opens
// away from the chat it configures), kept inside the window, above the button when there is no
// room below. The browser does the rest: opening and
// closing (popovertarget), Escape, a click outside, the top layer (no feed box clips it).

const MARGIN = 8;
const GAP = 6;

export function anchorPopover(panel, button) {
  function place() {
    if (!panel.matches(':popover-open')) return;
    const anchor = button.getBoundingClientRect();
    const width = panel.offsetWidth;
    const height = panel.offsetHeight;
    const left = Math.max(MARGIN, Math.min(anchor.left, window.innerWidth - width - MARGIN));
    let top = anchor.bottom + GAP;
    if (top + height > window.innerHeight - MARGIN && anchor.top - GAP - height >= MARGIN) top = anchor.top - GAP - height;
    panel.style.left = `${Math.round(left)}px`;
    panel.style.top = `${Math.round(Math.max(MARGIN, top))}px`;
  }

  panel.addEventListener('toggle', (event) => {
    button.setAttribute('aria-expanded', String(event.newState === 'open'));
    place();
  });
  // Placed before it is drawn, too, so it never shows for a frame where the browser centres it.
  panel.addEventListener('beforetoggle', (event) => {
    if (event.newState === 'open') window.requestAnimationFrame(place);
  });
  window.addEventListener('resize', place);
  window.addEventListener('scroll', place, { passive: true, capture: true });
  return { place };
}
