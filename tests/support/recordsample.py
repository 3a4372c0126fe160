"""A plausible recorded live for the records' page tests and screenshots: the simulator's names, chat
lines and gifts over some minutes, counted by the project's own totals and insights (so metrics,
leaderboards and series agree with the events, as the runner would store them)."""

import random

from assistant.insights import LiveInsights
from assistant.insights.battles import BattleTracker
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
                add(ts, {"type": "chat", "user": user, "comment": chat_line(rng, creator, rng.choice(crowd)),
                         "messageId": str(7_301_000_000_000_000_000 + len(events))})
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


BATTLE_MS = 5 * MINUTE_MS
OWNER_ID = "6900000000000000001"  # the creator's user id in the sample's battles (TikTok's room owner)
SCORES_EVERY_MS = 20_000


def _teams(host, opponent, fans, ours, theirs, masked=False):
    """The contract's `teams` of a battle: the creator's side (its top supporters), then the opponent's."""
    top = [{"user": fan, "score": ours // (rank + 2)} for rank, fan in enumerate(fans)] if ours else []
    return [{"host": host, "score": ours, "top": top},
            {"host": opponent, "score": None if masked else theirs, "top": []}]


def _battle(rng, sim_url, host, number, began, outcome, masked):
    """One battle's events (no seq): its start, its scores every SCORES_EVERY_MS, its end with the result
    (none when `outcome` is None). `masked`: the opponent's score is masked from the battle's second half."""
    opponent = {**_user(sim_url, invent_user(rng)), "userId": str(6_900_000_000_000_000_100 + number)}
    fans = [_user(sim_url, invent_user(rng)) for _ in range(3)]
    base = {"type": "battle", "battleId": str(7_400_000_000_000_000_000 + number), "endsAt": began + BATTLE_MS,
            "result": None}
    added = [{"ts": began, **base, "phase": "started", "teams": _teams(host, opponent, fans, 0, 0)}]
    ours = theirs = 0
    steps = BATTLE_MS // SCORES_EVERY_MS
    for step in range(1, steps):
        ours += rng.randint(0, 400)
        theirs += rng.randint(0, 400)
        added.append({"ts": began + step * SCORES_EVERY_MS, **base, "phase": "scores",
                      "teams": _teams(host, opponent, fans, ours, theirs, masked and step > steps // 2)})
    if outcome is not None:
        ours, theirs = {"won": (ours + 500, theirs), "lost": (ours, theirs + 500), "drawn": (ours, ours)}[outcome]
        winner = {"won": host["userId"], "lost": opponent["userId"], "drawn": None}[outcome]
        added.append({"ts": began + BATTLE_MS, **base, "phase": "ended", "result": {"winner": winner},
                      "teams": _teams(host, opponent, fans, ours, theirs, masked)})
    return added


def with_battles(events, sim_url, creator, outcomes, seed=5, masked_last=False):
    """`events` (a sample_events live) with a PK battle of the creator's per item of `outcomes` ("won",
    "lost", "drawn", or None: no end recorded), spread over the live, renumbered; as docs/protocol.md shapes
    them. The creator's host is the user whose uniqueId is `creator` (the room's owner). `masked_last`: the
    last battle's opponent score is masked (null) from its second half on."""
    rng = random.Random(seed)
    host = {"userId": OWNER_ID, "uniqueId": creator, "nickname": creator.split(".")[0].title(),
            "avatarUrl": avatar_url(sim_url, creator, creator)}
    start, end = events[0]["ts"], events[-1]["ts"]
    added = []
    for number, outcome in enumerate(outcomes):
        began = start + (number + 1) * (end - start) // (len(outcomes) + 1)
        added += _battle(rng, sim_url, host, number, began, outcome, masked_last and number == len(outcomes) - 1)
    merged = sorted(events + added, key=lambda e: e["ts"])
    return [{**event, "seq": seq} for seq, event in enumerate(merged, 1)]


def with_deletions(events, count, seed=9):
    """`events` with `count` of its chat lines deleted by TikTok: a chatDeleted 3 s after each, the line read
    out as the records give it (`deleted: true`), renumbered."""
    rng = random.Random(seed)
    lines = rng.sample([event for event in events if event["type"] == "chat"], count)
    deletions = [{"ts": line["ts"] + 3000, "type": "chatDeleted", "messageIds": [line["messageId"]],
                  "userIds": [line["user"]["userId"]]} for line in lines]
    chosen = {id(line) for line in lines}
    marked = [{**event, "deleted": True} if id(event) in chosen else event for event in events]
    merged = sorted(marked + deletions, key=lambda e: e["ts"])
    return [{**event, "seq": seq} for seq, event in enumerate(merged, 1)]


def counted(events, owner_id=OWNER_ID):
    """(metrics, leaderboards, series points) of the events, as a runner counts them (the battles' outcomes
    for the creator `owner_id`, as the runner knows it from TikTok's room info)."""
    battles = BattleTracker()
    battles.know_creator(owner_id)
    insights = LiveInsights(max_viewers=1000, battles=battles)
    metrics = StreamMetrics(streak_timeout=10, clock=lambda: 0.0, on_gift=insights.count_gift,
                            battle_outcome=battles.outcome)
    for event in events:
        if event["type"] == "battle":
            event = battles.complete(event)  # as the runner's intake does (its top supporters kept)
        before = metrics.likes
        metrics.apply(event)
        insights.apply(event, likes_added=metrics.likes - before)
    return metrics.to_dict(), insights.viewers.leaderboards(), insights.series.points()
