"""Generated room traffic: what a busy LIVE looks like, at about `rate` events a second."""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import catalogue
from .model import (
    Chat,
    Event,
    Follow,
    Gift,
    GiftInfo,
    Join,
    Like,
    Rank,
    Raw,
    Share,
    SimUser,
    Viewers,
    room_owner,
    stable_id,
)
from .stories import Stories
from .wire import now_ms

# A "shuffle bag" of event kinds: every kind comes out at least once in each pass through the
# bag (45 draws), so a dashboard sees all of them within a couple of seconds at the default rate.
# "raw": one of the messages below, a ranking's place or one of the types a dashboard does not show (about one
# event in eleven). Battles, polls and subscriptions come now and then besides (stories.py).
_BAG: dict[str, int] = {"chat": 14, "like": 9, "gift": 6, "join": 5, "raw": 4, "viewers": 3, "follow": 2, "share": 2}
_POOL_SIZE = 60
_MAX_EVENTS_PER_TICK = 500
_STREAK_TARGETS = (1, 2, 3, 5, 5, 10, 10, 15, 20, 30, 50, 99)
_MAX_OPEN_STREAKS = 4
# Now and then a streak stops without its repeat_end message, as on TikTok, so that consumers
# exercise their quiet-timeout path.
_ABANDON_PROBABILITY = 0.05




# What a real LIVE carries besides what a dashboard shows, as TikTokLive's classes name the fields (EVENT_MAPPINGS,
# TikTokLive.proto, whose schema is TikTok's web client's): a LIVE's ranking places (WebcastRankUpdateMessage's
# RankUpdate: rank_type 0 is the hourly ranking, 8 the daily one; group_type 1, gifts), the hourly ranking's
# rewards (WebcastHourlyRankRewardMessage), TikTok's banner over the room (WebcastInRoomBannerMessage), link-mic
# (co-host) signalling (WebcastLinkMicMethod), and the notice bar (WebcastBottomMessage: the key and text of one
# captured from a LIVE in TikTokLive issue #104). That lives carry them: TikTokLive issue #104 (captured Bottom and
# Barrage messages); jwdeveloper/TikTokLiveJava's client builder, with handlers for rank updates (the hourly rank
# among them), in-room banners and link-mic methods; a Douyin LIVE, on the same Webcast protocol, with 36 in-room
# banners in 5 minutes beside 652 chat lines (jwwsjlm/douyinLive issue #56). How often each comes is our guess.
def _rank_update(rng: random.Random, creator_id: int) -> Rank:
    rank_type, name = rng.choice([(0, "hourly"), (8, "daily")])
    place = rng.randint(1, 99)
    return Rank(rank_type, place, f"No. {place} in the {name} ranking")


def _hourly_rank_reward(rng: random.Random, creator_id: int) -> Raw:
    return Raw("WebcastHourlyRankRewardMessage",
               {"winners": [{"user_id": creator_id, "asset_id": rng.getrandbits(40)}]})


def _in_room_banner(rng: random.Random, creator_id: int) -> Raw:
    return Raw("WebcastInRoomBannerMessage", {})


def _link_mic(rng: random.Random, creator_id: int) -> Raw:
    return Raw("WebcastLinkMicMethod", {"message_type": rng.randint(1, 12), "user_id": creator_id,
                                        "channel_id": rng.getrandbits(50), "fan_ticket": rng.randint(0, 500)})


def _bottom_notice(rng: random.Random, creator_id: int) -> Raw:
    return Raw("WebcastBottomMessage", {"common": {"display_text": {
        "key": "pm_mt_TNS_notifiHostHighGameRating_banner_desc",
        "default_pattern": "This game is not suitable for younger audience."}}, "duration": 6})


_RAW_MESSAGES = (_rank_update, _hourly_rank_reward, _in_room_banner, _link_mic, _bottom_notice)


@dataclass
class _Streak:
    user: SimUser
    gift: GiftInfo
    count: int
    target: int
    group_id: int


class TrafficGenerator:
    """The traffic of one creator's room: the same for a given creator name and sequence of calls."""

    def __init__(self, creator: str) -> None:
        self._creator = creator
        self._rng = random.Random(creator)
        self._pool = [catalogue.invent_user(self._rng) for _ in range(_POOL_SIZE)]
        self._bag: list[str] = []
        self._budget = 0.0
        self._streaks: list[_Streak] = []
        self._stories = Stories(room_owner(creator), self._rng, self.pick_user)

    def pick_user(self) -> SimUser:
        """One of the room's regular viewers."""
        return self._rng.choice(self._pool)

    def tick(self, seconds: float, rate: float, viewers: int, total_likes: int,
             now: int | None = None) -> list[Event]:
        """The events of the last `seconds` at `rate` a second, given the room's current figures, sent at `now`
        (epoch ms; the clock's by default); with the battles, polls and subscriptions that follow them."""
        self._budget = min(self._budget + max(rate, 0.0) * seconds, _MAX_EVENTS_PER_TICK)
        count = int(self._budget)
        self._budget -= count
        now = now if now is not None else now_ms()
        events: list[Event] = []
        for _ in range(count):
            event = self._next(viewers, total_likes)
            if isinstance(event, Like):
                total_likes = event.total
            elif isinstance(event, Viewers):
                viewers = event.viewer_count
            events.append(event)
            events += self._stories.after(event, now, rate)
        return events

    def _next(self, viewers: int, total_likes: int) -> Event:
        if not self._bag:
            self._bag = [kind for kind, weight in _BAG.items() for _ in range(weight)]
            self._rng.shuffle(self._bag)
        kind = self._bag.pop()
        user = self.pick_user()
        if kind == "chat":
            return Chat(user, catalogue.chat_line(self._rng, self._creator, self.pick_user()))
        if kind == "like":
            count = self._rng.randint(1, 15)
            return Like(user, count, total_likes + count)
        if kind == "gift":
            return self._gift(user)
        if kind == "join":
            return Join(user)
        if kind == "follow":
            return Follow(user)
        if kind == "share":
            return Share(user)
        if kind == "raw":
            return self._rng.choice(_RAW_MESSAGES)(self._rng, stable_id(self._creator))
        drift = round(viewers * self._rng.gauss(0, 0.02)) + self._rng.randint(-3, 5)
        return Viewers(max(1, viewers + drift))

    def _gift(self, user: SimUser) -> Gift:
        """Advance a running streak, start a new one, or send an expensive one-off gift."""
        rng = self._rng
        if self._streaks and (len(self._streaks) >= _MAX_OPEN_STREAKS or rng.random() < 0.6):
            streak = rng.choice(self._streaks)
            streak.count = min(streak.target, streak.count + rng.randint(1, 3))
            if streak.count < streak.target:
                return Gift(streak.user, streak.gift, streak.count, False, streak.group_id)
            self._streaks.remove(streak)
            if rng.random() < _ABANDON_PROBABILITY:
                return self._gift(user)
            return Gift(streak.user, streak.gift, streak.count, True, streak.group_id)
        if rng.random() < 0.8:
            streak = _Streak(user, catalogue.pick_streak_gift(rng), 1, rng.choice(_STREAK_TARGETS),
                             rng.getrandbits(48))
            self._streaks.append(streak)
            return Gift(user, streak.gift, 1, False, streak.group_id)
        return Gift(user, catalogue.pick_big_gift(rng), 1, True, rng.getrandbits(48))
