// The page's address follows the creator watched: /@name while following one, / otherwise, so a
// view can be bookmarked and shared. Back and forward switch creators (popstate).

const PREFIX = '/@';

/** What the address asks for: null for no creator, else the text after `/@` (decoded, as typed). */
export function addressRequest(location = window.location) {
  const path = location.pathname;
  if (!path.startsWith(PREFIX)) return null;
  const rest = path.slice(PREFIX.length);
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest; // a stray "%": keep the text as typed, the username rule refuses it
  }
}

/** onNavigate(request): the user went back or forward to an address (request as addressRequest()). */
export function createAddress({ onNavigate }) {
  window.addEventListener('popstate', () => onNavigate(addressRequest()));
  return {
    /** Show `username`'s address (null: /). push: a new history entry, for the user's own switch. */
    follow(username, { push = false } = {}) {
      const path = username ? `${PREFIX}${encodeURIComponent(username)}` : '/';
      if (window.location.pathname === path) return;
      const url = path + window.location.search;
      if (push) window.history.pushState(null, '', url);
      else window.history.replaceState(null, '', url);
    },
  };
}
