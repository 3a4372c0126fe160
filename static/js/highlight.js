// Marks matches in a row's text: the text is cut into runs (chatfilter.js segments()) and put back
// as text nodes and <mark> elements built with the DOM, never as HTML, so whatever the text holds
// is shown as text.

import { segments } from './chatfilter.js';

/**
 * Replace `el`'s content with `text`, the ranges of each layer ({kind: [[start, end], ...]})
 * wrapped in <mark class="hl hl-<kind> ...">. Without any range, `el` gets plain text again.
 * Returns the number of marks.
 */
export function highlight(el, text, layers) {
  const runs = segments(text, layers);
  if (runs.length === 1 && runs[0].kinds.length === 0) {
    if (el.childElementCount > 0 || el.textContent !== runs[0].text) el.textContent = runs[0].text;
    return 0;
  }
  const fragment = document.createDocumentFragment();
  let marks = 0;
  for (const run of runs) {
    if (run.kinds.length === 0) {
      fragment.append(document.createTextNode(run.text));
      continue;
    }
    const mark = document.createElement('mark');
    mark.className = ['hl', ...run.kinds.map((kind) => `hl-${kind}`)].join(' ');
    mark.textContent = run.text;
    fragment.append(mark);
    marks += 1;
  }
  el.replaceChildren(fragment);
  return marks;
}
