// The contract's event types, as the server lists them (assistant/events.py `for_browser`): rendered into
// the page as JSON (#event-types, templates/index.html) and read here once, on first use. Each type says
// which feed shows it (`feed`: chat, gifts, activity, or null: the cards only) and, in the activity
// feed, what the viewer did (`verb`). Only these lists come from the server: the rows are built in rows.js.

let types = null; // type -> {type, feed, verb}

function load() {
  if (types) return types;
  const block = document.getElementById('event-types');
  if (!block) throw new Error('the page has no #event-types block (the event types, rendered by the server)');
  types = new Map(JSON.parse(block.textContent).map((type) => [type.type, type]));
  return types;
}

/** The feed that shows events of `type` (chat, gifts or activity), or null: not shown in a feed, or unknown. */
export function feedOf(type) {
  const known = load().get(type);
  return (known && known.feed) || null;
}

/** What the viewer did, for an activity row ("followed"), or null. */
export function verbOf(type) {
  const known = load().get(type);
  return (known && known.verb) || null;
}
