"""Invented but plausible content: the gift catalogue, viewer names and chat lines."""

from __future__ import annotations

import random

from .model import GiftInfo, SimUser, stable_id

ROSE = GiftInfo(5655, "Rose", 1, 1)

# Cheap gifts that streak (type 1), most common first.
STREAK_GIFTS: tuple[GiftInfo, ...] = (
    ROSE,
    GiftInfo(5269, "TikTok", 1, 1),
    GiftInfo(6064, "GG", 1, 1),
    GiftInfo(5487, "Finger Heart", 5, 1),
    GiftInfo(5658, "Perfume", 20, 1),
    GiftInfo(5879, "Doughnut", 30, 1),
)
STREAK_WEIGHTS: tuple[int, ...] = (40, 12, 10, 18, 12, 8)

# Expensive one-off gifts (type 2).
BIG_GIFTS: tuple[GiftInfo, ...] = (
    GiftInfo(5827, "Confetti", 100, 2),
    GiftInfo(7934, "Galaxy", 1000, 2),
    GiftInfo(6033, "Sports Car", 7000, 2),
    GiftInfo(7312, "Rosa Nebula", 15000, 2),
    GiftInfo(6751, "TikTok Shuttle", 20000, 2),
    GiftInfo(6369, "Lion", 29999, 2),
    GiftInfo(5767, "Universe", 34999, 2),
)
BIG_WEIGHTS: tuple[int, ...] = (30, 25, 15, 10, 8, 7, 5)

GIFTS_BY_ID: dict[int, GiftInfo] = {gift.gift_id: gift for gift in STREAK_GIFTS + BIG_GIFTS}

_FIRST_NAMES = (
    "Maya", "Liam", "Sofia", "Noah", "Aisha", "Lucas", "Chloe", "Mateo", "Yuki", "Omar", "Elena",
    "Jayden", "Priya", "Leo", "Zara", "Diego", "Hana", "Ethan", "Amara", "Felix", "Nina", "Kai",
    "Lina", "Marco", "Ivy", "Tariq", "Bella", "Arjun", "Mia", "Jonas", "Camila", "Theo", "Lea",
    "Samir", "Rosa", "Emeka", "Clara", "Hugo", "Ines", "Ravi",
)
_WORDS = (
    "sunny", "vibes", "gamer", "dreams", "music", "cookie", "moon", "pixel", "coffee", "dance",
    "travel", "story", "lucky", "nova", "blue", "wild", "star", "chill", "art", "sky",
)
_DECORATIONS = ("✨", "🌸", "🔥", "💜", "🎮", "🌙", "⭐", "🦋", "🍀", "🎧")

_CHAT_LINES = (
    "hiii {creator} 👋",
    "hello from Brazil 🇧🇷",
    "greetings from Manila!",
    "just joined, what did I miss?",
    "love this song 😍",
    "what's the name of this song?",
    "you're so funny 😂",
    "first time catching you live!",
    "{creator} can you say hi to me?",
    "this is my favourite stream",
    "lets gooo 🔥🔥",
    "how long have you been live?",
    "sending love from Germany ❤️",
    "omg the roses 🌹🌹",
    "who else is here from the fyp?",
    "can we get 1k likes?",
    "tap tap tap 👆",
    "you should do a Q&A",
    "where did you get that hoodie?",
    "good morning from Australia ☀️",
    "it's 3am here and I'm still watching",
    "W stream",
    "agree with {viewer} 💯",
    "the lighting looks great today",
    "play the one from yesterday!",
    "haha {viewer} same",
    "I shared the live with my friends",
    "new follower here 🙋",
    "your voice is so calming",
    "keep going, you got this 💪",
    "what game is this?",
    "🥰🥰🥰",
    "lol",
    "GG",
    "can you read my comment pls",
    "big fan since 2021",
    "is this live every day?",
    "the chat is moving so fast",
    "hi from Nigeria 🇳🇬",
    "love the energy today",
)


def invent_user(rng: random.Random) -> SimUser:
    """A viewer with a plausible handle and nickname; the id follows from the handle."""
    first = rng.choice(_FIRST_NAMES)
    word = rng.choice(_WORDS)
    style = rng.randrange(4)
    if style == 0:
        unique_id = f"{first.lower()}.{word}{rng.randint(1, 99)}"
        nickname = f"{first} {rng.choice(_DECORATIONS)}"
    elif style == 1:
        unique_id = f"{first.lower()}_{word}"
        nickname = f"{first} {word.capitalize()}"
    elif style == 2:
        unique_id = f"its{word}{first.lower()}{rng.randint(0, 9)}"
        nickname = f"{word.capitalize()} {first}"
    else:
        unique_id = f"{word}.{first.lower()}{rng.randint(1990, 2009)}"
        nickname = first
    return SimUser(stable_id(unique_id), unique_id, nickname)


def chat_line(rng: random.Random, creator: str, other_viewer: SimUser) -> str:
    return rng.choice(_CHAT_LINES).format(creator=f"@{creator}", viewer=f"@{other_viewer.unique_id}")


def pick_streak_gift(rng: random.Random) -> GiftInfo:
    return rng.choices(STREAK_GIFTS, STREAK_WEIGHTS)[0]


def pick_big_gift(rng: random.Random) -> GiftInfo:
    return rng.choices(BIG_GIFTS, BIG_WEIGHTS)[0]
