"""What happens now and then in a generated LIVE, beside its chat and gifts: a PK battle (its start, its scores as
gifts come in, its end with a result), a poll (its start, its votes, its end) and a subscription.

Paced in generated events, not in seconds, so that a creator's `rate` speeds them up as it does the rest of the
traffic (a test sets a high rate to see a whole battle in seconds). At the default 20 events a second, a battle
comes after 15 to 45 s, then every 1.5 to 4.5 minutes, and lasts a minute; a poll after 30 to 90 s, then every 2
to 6 minutes; a subscription every 15 to 60 s.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from . import catalogue
from .model import Battle, Event, Gift, Poll, PollOption, SimUser, Subscribe, Supporter, Team

# A battle lasts five minutes on TikTok (TikFinity's blog, "How to battle on TikTok LIVE": "Once they accept, the
# 5-minute timer begins"); here BATTLE_EVENTS generated events (a minute at the default rate), so that a demo shows
# whole battles. The gaps between battles are our guess.
BATTLE_EVENTS = 1200
FIRST_BATTLE_AFTER = (300, 900)
BATTLE_GAP = (1800, 5400)
# The top supporters a side lists: our choice.
TOP_SUPPORTERS = 3
# How a poll goes, our guess (no source gives TikTok's): the first after 600 to 1,800 events, then every 2,400 to
# 7,200; 2 to 4 options, a change of votes every 40 events, 6 of them, then its end.
FIRST_POLL_AFTER = (600, 1800)
POLL_GAP = (2400, 7200)
POLL_VOTE_EVERY = 40
POLL_VOTE_CHANGES = 6
# Subscriptions, rarer than gifts (our guess): one every 300 to 1,200 events; most are first months.
SUBSCRIBE_GAP = (300, 1200)
SUBSCRIBE_MONTHS = (1, 1, 1, 1, 2, 2, 3, 6, 12)

_POLLS = (
    ("Next song?", ("Rock", "Pop", "Jazz", "Lo-fi")),
    ("Which game tonight?", ("Minecraft", "Fortnite", "Valorant")),
    ("Stay up for one more hour?", ("Yes!", "Sleep")),
    ("Best snack?", ("Chips", "Chocolate", "Fruit", "Popcorn")),
)


@dataclass
class _RunningBattle:
    battle_id: int
    opponent: SimUser
    events_left: int
    scores: dict[int, int]
    supporters: dict[int, dict[SimUser, int]]
    ends_at: int


@dataclass
class _RunningPoll:
    poll_id: int
    title: str
    options: list[PollOption]
    changes_left: int = POLL_VOTE_CHANGES
    until_change: int = POLL_VOTE_EVERY


@dataclass
class Stories:
    """The battles, polls and subscriptions of one creator's room: `after(event)` says what follows each generated
    event (nothing, mostly)."""

    owner: SimUser
    rng: random.Random
    pick_user: Callable[[], SimUser]
    until_battle: int = 0
    until_poll: int = 0
    until_subscribe: int = 0
    battle: _RunningBattle | None = None
    poll: _RunningPoll | None = None
    _counted: dict[int, int] = field(default_factory=dict)  # a battle's gift streaks: units counted so far

    def __post_init__(self) -> None:
        self.until_battle = self.rng.randint(*FIRST_BATTLE_AFTER)
        self.until_poll = self.rng.randint(*FIRST_POLL_AFTER)
        self.until_subscribe = self.rng.randint(*SUBSCRIBE_GAP)

    def after(self, event: Event, now_ms: int, rate: float) -> list[Event]:
        """The events that follow `event`, sent at `now_ms` in a room with `rate` events a second."""
        follow: list[Event] = []
        self.until_battle -= 1
        self.until_poll -= 1
        self.until_subscribe -= 1
        if self.battle is not None:
            follow += self._battle_goes_on(event, now_ms)
        elif self.until_battle <= 0:
            follow.append(self._start_battle(now_ms, rate))
        if self.poll is not None:
            follow += self._poll_goes_on()
        elif self.until_poll <= 0:
            follow.append(self._start_poll(now_ms, rate))
        if self.until_subscribe <= 0:
            self.until_subscribe = self.rng.randint(*SUBSCRIBE_GAP)
            follow.append(Subscribe(self.pick_user(), self.rng.choice(SUBSCRIBE_MONTHS)))
        return follow

    # --- battles ---------------------------------------------------------------------------------------------

    def _start_battle(self, now_ms: int, rate: float) -> Battle:
        """Against a host invented for it; it ends after BATTLE_EVENTS events, at `endsAt` if the rate holds."""
        opponent = catalogue.invent_user(self.rng)
        hosts = (self.owner.user_id, opponent.user_id)
        ends_at = now_ms + int(BATTLE_EVENTS / rate * 1000) if rate > 0 else 0
        self.battle = _RunningBattle(self.rng.getrandbits(62), opponent, BATTLE_EVENTS, dict.fromkeys(hosts, 0),
                                     {host: {} for host in hosts}, ends_at)
        self._counted.clear()
        return Battle(self.battle.battle_id, "started", ends_at or None, self._teams())

    def _battle_goes_on(self, event: Event, now_ms: int) -> list[Event]:
        """The battle's end once its time is up; else, after a gift, its scores (TikTok sends LinkMicArmies
        "every time a battle participant receives points": TikTokLiveJava's TikTokLinkMicArmiesEvent). The room's
        gifts count for the creator; the opponent's room, which the simulator does not generate, scores now and
        then alongside."""
        running = self.battle
        running.events_left -= 1
        if running.events_left <= 0:
            return [self._end_battle()]
        if not isinstance(event, Gift):
            return []
        units = event.repeat_count - self._counted.get(event.group_id, 0)
        self._counted[event.group_id] = event.repeat_count
        if units <= 0:
            return []
        self._score(self.owner.user_id, event.user, units * event.gift.diamond_count)
        if self.rng.random() < 0.5:
            gift = catalogue.pick_streak_gift(self.rng)
            self._score(running.opponent.user_id, catalogue.invent_user(self.rng),
                        gift.diamond_count * self.rng.randint(1, 10))
        return [Battle(running.battle_id, "scores", running.ends_at or None, self._teams())]

    def _score(self, host: int, supporter: SimUser, points: int) -> None:
        self.battle.scores[host] += points
        fans = self.battle.supporters[host]
        fans[supporter] = fans.get(supporter, 0) + points

    def _end_battle(self) -> Battle:
        running = self.battle
        best = max(running.scores.values())
        leaders = [host for host, score in running.scores.items() if score == best]
        ended = Battle(running.battle_id, "ended", running.ends_at or None, self._teams(),
                       winner=leaders[0] if len(leaders) == 1 else None)
        self.battle = None
        self.until_battle = self.rng.randint(*BATTLE_GAP)
        return ended

    def _teams(self) -> tuple[Team, ...]:
        running = self.battle
        teams = []
        for host in (self.owner, running.opponent):
            fans = sorted(running.supporters[host.user_id].items(), key=lambda pair: -pair[1])[:TOP_SUPPORTERS]
            teams.append(Team(host, running.scores[host.user_id],
                              tuple(Supporter(fan, score) for fan, score in fans)))
        return tuple(teams)

    # --- polls -----------------------------------------------------------------------------------------------

    def _start_poll(self, now_ms: int, rate: float) -> Poll:
        title, choices = self.rng.choice(_POLLS)
        self.poll = _RunningPoll(self.rng.getrandbits(62), title, [PollOption(choice, 0) for choice in choices])
        events = (POLL_VOTE_CHANGES + 1) * POLL_VOTE_EVERY
        return Poll(self.poll.poll_id, "started", title, tuple(self.poll.options),
                    now_ms + int(events / rate * 1000) if rate > 0 else None)

    def _poll_goes_on(self) -> list[Event]:
        poll = self.poll
        poll.until_change -= 1
        if poll.until_change > 0:
            return []
        poll.until_change = POLL_VOTE_EVERY
        if poll.changes_left == 0:
            ended = self._poll_event("ended")
            self.poll = None
            self.until_poll = self.rng.randint(*POLL_GAP)
            return [ended]
        poll.changes_left -= 1
        index = self.rng.randrange(len(poll.options))
        option = poll.options[index]
        poll.options[index] = PollOption(option.text, option.votes + self.rng.randint(1, 5))
        return [self._poll_event("votes")]

    def _poll_event(self, phase: str) -> Poll:
        """Its votes or its end; TikTok sends a poll's end time with its start only (streamer_messages._poll)."""
        return Poll(self.poll.poll_id, phase, self.poll.title, tuple(self.poll.options), None)
