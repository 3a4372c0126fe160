"""Which rules an event fires: one creator's enabled rules, ready to evaluate on each published batch.

The creator's runner holds a `CreatorRules` (only the runner of the lease holder publishes, so each event is
evaluated once, cluster-wide). Rules are indexed by the event type they listen to: an event of a type no rule
listens to costs one dict lookup (bench/actions.py measures it). What a trigger means (docs/actions.md, "Triggers"):

- `gift`: a gift counted, that is a streak at its end (TikTok's last event of it, or the server's own end after
  the streak timed out: metrics.py) or a gift that does not streak; by `giftName` (any case) or `minDiamonds`
  (its whole value, diamonds x units, as the overlays compare it);
- `follow`, `share`, `subscribe`: each such event;
- `likes` `every` N: each time the live's total passes a multiple of N (`likes_passed`);
- `command` `!word`: a chat line that is the word or starts with it and a space; `keyword`: a chat line that holds
  the word or phrase, not inside a longer word (any case); `firstChat`: a viewer's first chat line of the live;
- `battle` `phase`: a PK battle started or ended; `goal`: TikTok's LIVE goal reached.
Chat TikTok replays on connect (`history`) fires nothing: it was live before the server listened.
Cooldowns: a rule fires at most once per `globalSeconds`, and once per viewer per `userSeconds`.
"""

import re
import time

from ..events import BY_NAME
from .templates import Template, event_values

MAX_MILESTONES = 10  # a like total that jumps many multiples at once fires this many times at most
_USERS_KEPT = 10_000  # viewers' last fires kept per rule before the expired ones are swept
_FIRST_CHATS_KEPT = 200_000  # viewers who chatted this live, remembered for firstChat

_EVENT_TYPE = {"gift": "gift", "follow": "follow", "share": "share", "subscribe": "subscribe", "command": "chat",
               "keyword": "chat", "firstChat": "chat", "battle": "battle", "goal": "goal"}


def sample_event(trigger, ts=None):
    """An event that `trigger` fires on (the test button's): events.py's sample of its type, made to match."""
    kind = trigger["type"]
    event = BY_NAME[_EVENT_TYPE.get(kind, "like")].sample(seq=0, ts=ts or int(time.time() * 1000))
    if kind == "gift":
        event.update(streaking=False, repeatCount=1, giftName=trigger.get("giftName") or event["giftName"],
                     diamondCount=trigger.get("minDiamonds") or event["diamondCount"])
    elif kind == "likes":
        event["totalLikes"] = trigger["every"]
    elif kind == "command":
        event["comment"] = f"{trigger['command']} test"
    elif kind == "keyword":
        event["comment"] = f"test {trigger['keyword']}"
    elif kind in ("battle", "goal"):
        event["phase"] = trigger.get("phase", "reached")
    event.pop("seq")
    return event


class Firing:
    """A rule that fired: the rule, the event that fired it, and its texts' values."""

    __slots__ = ("event", "rule", "values")

    def __init__(self, rule, event, values):
        self.rule = rule
        self.event = event
        self.values = values


class CompiledRule:
    """A kept rule (rules.py's shape, as repository.shown gives it) with its templates parsed and its cooldowns."""

    def __init__(self, rule):
        self.rule = rule
        self.id = rule["id"]
        trigger = rule["trigger"]
        self.kind = trigger["type"]
        self.event_type = _EVENT_TYPE.get(self.kind)
        self.gift_name = (trigger.get("giftName") or "").casefold()
        self.min_diamonds = trigger.get("minDiamonds")
        self.every = trigger.get("every")
        self.command = trigger.get("command")
        # a word or phrase on its own, not inside a longer word ("hi" is not in "this"); emoji too
        self.keyword = re.compile(rf"(?<!\w){re.escape(trigger['keyword'].casefold())}(?!\w)") \
            if "keyword" in trigger else None
        self.phase = trigger.get("phase")
        self.user_seconds = rule["cooldown"]["userSeconds"]
        self.global_seconds = rule["cooldown"]["globalSeconds"]
        self.templates = {index: Template(action["text"]) for index, action in enumerate(rule["actions"])
                          if "text" in action}
        self._fired_at = None  # monotonic seconds of the last fire
        self._user_fired_at = {}  # userId -> monotonic seconds

    def matches(self, event):
        """Whether the event (of this rule's type) fires it; chat rules are picked by CreatorRules's index."""
        kind = self.kind
        if kind == "gift":
            if event.get("streaking"):
                return False
            if self.min_diamonds is not None:
                return (event.get("diamondCount") or 0) * (event.get("repeatCount") or 1) >= self.min_diamonds
            return (event.get("giftName") or "").casefold() == self.gift_name
        if kind == "battle":
            return event.get("phase") == self.phase
        if kind == "goal":
            return event.get("phase") == "reached"
        return True

    def keep_state(self, old):
        """The cooldowns of the same rule as loaded before."""
        self._fired_at, self._user_fired_at = old._fired_at, old._user_fired_at

    def cooled(self, user_id, now):
        """Whether the rule may fire now for this viewer (None: no viewer); if so, the fire is noted."""
        if self._fired_at is not None and now - self._fired_at < self.global_seconds:
            return False
        if self.user_seconds and user_id is not None:
            last = self._user_fired_at.get(user_id)
            if last is not None and now - last < self.user_seconds:
                return False
            if len(self._user_fired_at) >= _USERS_KEPT:
                self._user_fired_at = {user: at for user, at in self._user_fired_at.items()
                                       if now - at < self.user_seconds}
            self._user_fired_at[user_id] = now
        self._fired_at = now
        return True


class CreatorRules:
    """One creator's enabled rules, by the event type they listen to. `rules`: as repository.enabled_rules gives
    them; `chatters`: the viewers who chatted this live so far (for firstChat); `likes`: the live's like total now
    (a likes rule fires for multiples passed from here on, never for those before it was loaded)."""

    def __init__(self, rules, chatters=(), likes=0):
        self.rules = [CompiledRule(rule) for rule in rules]
        self._by_type = {}
        for rule in self.rules:
            if rule.event_type is not None:
                self._by_type.setdefault(rule.event_type, []).append(rule)
        self._likes_rules = [rule for rule in self.rules if rule.kind == "likes"]
        self._commands = {}
        for rule in self.rules:
            if rule.kind == "command":
                self._commands.setdefault(rule.command, []).append(rule)
        self._keywords = [rule for rule in self.rules if rule.kind == "keyword"]
        self._first_chat_rules = [rule for rule in self.rules if rule.kind == "firstChat"]
        self._wants_first_chat = bool(self._first_chat_rules)
        self._chatters = set(chatters) if self._wants_first_chat else set()
        self.rebase(likes)

    def __bool__(self):
        return bool(self.rules)

    def rebase(self, likes, chatters=None):
        """The live's counts were replaced (restored, or a new live at zero): count milestones from `likes`, and
        first chats against `chatters` when given."""
        self._likes_passed = {rule.id: likes // rule.every for rule in self._likes_rules}
        if chatters is not None and self._wants_first_chat:
            self._chatters = set(chatters)

    def carry_over(self, old):
        """Keep what `old` (the rules loaded before) knew of the rules still here: their cooldowns and the like
        multiples passed, so that editing one rule resets nothing of the others."""
        before = {rule.id: rule for rule in old.rules}
        for rule in self.rules:
            kept = before.get(rule.id)
            if kept is not None:
                rule.keep_state(kept)
                if rule.id in self._likes_passed and kept.id in old._likes_passed and rule.every == kept.every:
                    self._likes_passed[rule.id] = old._likes_passed[kept.id]
        if self._wants_first_chat and old._wants_first_chat:
            self._chatters |= old._chatters

    def evaluate(self, events, now=None):
        """The firings of a batch of published events, in order."""
        by_type = self._by_type
        if not by_type:
            return []
        now = time.monotonic() if now is None else now
        firings = []
        for event in events:
            kind = event["type"]
            if kind == "chat":
                rules = self._chat_rules(event) if "chat" in by_type else None
            else:
                rules = by_type.get(kind)
            if not rules:
                continue
            user_id = (event.get("user") or {}).get("userId")
            for rule in rules:
                if rule.matches(event) and rule.cooled(user_id, now):
                    firings.append(Firing(rule, event, event_values(event)))
        return firings

    def _chat_rules(self, event):
        """The chat rules a line fires, found without trying each: its first word looked up among the commands,
        the keywords searched in it, whether it is the viewer's first line."""
        if event.get("history"):
            return None
        text = (event.get("comment") or "").casefold()
        words = text.split(maxsplit=1)
        rules = list(self._commands.get(words[0], ())) if words else []
        rules += [rule for rule in self._keywords if rule.keyword.search(text)]
        if self._first_chat_rules and self._first_chat(event):
            rules += self._first_chat_rules
        return rules

    def _first_chat(self, event):
        user_id = (event.get("user") or {}).get("userId")
        if event.get("history") or not user_id or user_id in self._chatters:
            return False
        if len(self._chatters) < _FIRST_CHATS_KEPT:
            self._chatters.add(user_id)
        return True

    def likes_passed(self, likes, now=None, ts=None):
        """The firings of likes rules whose multiple the live's total `likes` passed since the last call."""
        if not self._likes_rules:
            return []
        now = time.monotonic() if now is None else now
        firings = []
        for rule in self._likes_rules:
            passed = likes // rule.every
            before = self._likes_passed[rule.id]
            if passed <= before:
                continue
            self._likes_passed[rule.id] = passed
            event = {"type": "like", "ts": ts or int(time.time() * 1000), "totalLikes": likes}
            for multiple in range(max(before + 1, passed - MAX_MILESTONES + 1), passed + 1):
                if rule.cooled(None, now):
                    firings.append(Firing(rule, event, event_values(event, milestone=multiple * rule.every)))
        return firings
