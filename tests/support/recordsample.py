"""A plausible recorded live for the records' page tests and screenshots: the simulator's names, chat
lines and gifts over some minutes, counted by the project's own totals and insights (so metrics,
leaderboards and series agree with the events, as the runner would store them)."""

import random

from assistant.insights import LiveInsights
from assistant.metrics import StreamMetrics
from assistant.simulator.catalogue import chat_line, invent_user, pick_big_gift, pick_streak_gift
from assistant.simulator.protocol import avatar_url, gift_image_url

MINUTE_MS = 60_000


def _user(sim_url, sim_user):
    return {"userId": str(sim_user.user_id), "uniqueId": sim_user.unique_id, "nickname": sim_user.nickname,
            "avatarUrl": avatar_url(sim_url, sim_user.unique_id, sim_user.nickname)}


def sample_events(sim_url, creator, start_ms, minutes=40, seed=13):
    """Events (seq from 1) over `minutes` from `start_ms`: chat, streaks and big gifts, likes, joins,
    follows, shares and the viewer count, busier towards the middle of the live."""
    rng = random.Random(seed)
    crowd = [invent_user(rng) for _ in range(60)]
    regulars = crowd[:12]
    events = []

    def add(ts, event):
        events.append({"seq": len(events) + 1, "ts": ts, **event})

    total_likes = 0
    for minute in range(minutes):
        base = start_ms + minute * MINUTE_MS
        busy = 0.4 + 0.6 * (1 - abs(minute - minutes / 2) / (minutes / 2))
        viewers = int(800 + 1400 * busy + rng.randint(-60, 60))
        add(base + 500, {"type": "viewers", "viewerCount": viewers})
        for _ in range(int(6 + 14 * busy)):
            ts = base + rng.randint(1000, 59_000)
            who = rng.choice(regulars if rng.random() < 0.6 else crowd)
            kind = rng.choices(("chat", "like", "join", "follow", "share"), (10, 4, 5, 1, 1))[0]
            user = _user(sim_url, who)
            if kind == "chat":
                add(ts, {"type": "chat", "user": user, "comment": chat_line(rng, creator, rng.choice(crowd))})
            elif kind == "like":
                count = rng.randint(1, 15)
                total_likes += count
                add(ts, {"type": "like", "user": user, "count": count, "totalLikes": total_likes})
            else:
                add(ts, {"type": kind, "user": user})
        if rng.random() < 0.8:
            gift = pick_streak_gift(rng)
            user = _user(sim_url, rng.choice(regulars))
            ts = base + rng.randint(1000, 50_000)
            repeats = rng.randint(1, 8)
            for n in range(1, repeats + 1):
                add(ts + n * 300, {"type": "gift", "user": user, "giftId": gift.gift_id, "giftName": gift.name,
                                   "diamondCount": gift.diamond_count, "repeatCount": n, "streaking": n < repeats,
                                   "imageUrl": gift_image_url(sim_url, gift.gift_id)})
        if rng.random() < 0.25:
            gift = pick_big_gift(rng)
            add(base + rng.randint(1000, 58_000),
                {"type": "gift", "user": _user(sim_url, rng.choice(regulars)), "giftId": gift.gift_id,
                 "giftName": gift.name, "diamondCount": gift.diamond_count, "repeatCount": 1, "streaking": False,
                 "imageUrl": gift_image_url(sim_url, gift.gift_id)})
    events.sort(key=lambda e: e["ts"])
    for seq, event in enumerate(events, 1):
        event["seq"] = seq
    return events


def counted(events):
    """(metrics, leaderboards, series points) of the events, as a runner counts them."""
    insights = LiveInsights(max_viewers=1000)
    metrics = StreamMetrics(streak_timeout=10, clock=lambda: 0.0, on_gift=insights.count_gift)
    for event in events:
        before = metrics.likes
        metrics.apply(event)
        insights.apply(event, likes_added=metrics.likes - before)
    return metrics.to_dict(), insights.viewers.leaderboards(), insights.series.points()
