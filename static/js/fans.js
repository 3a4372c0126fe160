// Who subscribed to the creator and who is a super fan, as this live's `subscribe` and `superfan` events
// said (the snapshot's recent events, then the live ones): the viewer card shows them as badges. Pure:
// no DOM (tests/js/livestate.test.mjs). At most MAX_FANS viewers are kept (the oldest go first), so a huge
// LIVE cannot grow it without end.

export const MAX_FANS = 5000;

/** Returns {apply(events), badges(userId) -> [{kind: 'subscriber' | 'superfan', text, title}], reset()}. */
export function createFans() {
  const fans = new Map(); // userId -> {subscriber: bool, months: number | null, superfan: bool}

  function note(userId, change) {
    const known = fans.get(userId) || { subscriber: false, months: null, superfan: false };
    fans.delete(userId); // re-inserted: the most recent last
    fans.set(userId, { ...known, ...change });
    if (fans.size > MAX_FANS) fans.delete(fans.keys().next().value);
  }

  return {
    apply(events) {
      for (const event of Array.isArray(events) ? events : []) {
        const id = event && event.user && event.user.userId;
        if (!id) continue;
        if (event.type === 'subscribe') {
          const months = Number(event.months);
          note(String(id), { subscriber: true, months: Number.isInteger(months) && months > 0 ? months : null });
        } else if (event.type === 'superfan') {
          note(String(id), { superfan: true });
        }
      }
    },
    badges(userId) {
      const known = fans.get(String(userId ?? ''));
      if (!known) return [];
      const badges = [];
      if (known.subscriber) {
        const months = known.months ? ` for ${known.months} ${known.months === 1 ? 'month' : 'months'}` : '';
        badges.push({ kind: 'subscriber', text: 'Subscriber', title: `Subscribed to the creator${months}` });
      }
      if (known.superfan) badges.push({ kind: 'superfan', text: 'Super fan', title: 'A super fan of the creator' });
      return badges;
    },
    reset() {
      fans.clear();
    },
  };
}
