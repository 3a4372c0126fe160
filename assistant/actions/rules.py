"""A rule's shape and its checks: `parse_rule(body, ...)` turns the JSON a client sent into the rule as kept, or
raises `RuleError` with one sentence for the 400 (docs/actions.md, "Rules").

A rule is `{username, name, enabled, trigger, cooldown: {userSeconds, globalSeconds}, actions}`. Everything is
checked here, once, when the rule is saved: the evaluator (evaluator.py) trusts what it reads back.
"""

import re

from ..usernames import UsernameError, parse_username
from .templates import COUNTER_NAME, Template, TemplateError

TRIGGERS = ("gift", "follow", "share", "subscribe", "likes", "command", "keyword", "battle", "goal", "firstChat")
ACTIONS = ("webhook", "overlay", "tts", "counter")
BATTLE_PHASES = ("started", "ended")
MAX_ACTIONS = 10
MAX_RULES_PER_CREATOR = 100
MAX_COOLDOWN = 86_400  # seconds: a day
MAX_TEXT = 300  # characters of a template
MAX_NAME = 100
MAX_SECRET = 128
MIN_SECRET = 16
SECONDS_RANGE = (1, 60)  # how long an overlay action shows
COUNTER_ADD_RANGE = (-1000, 1000)
_COMMAND = re.compile(r"!?([A-Za-z0-9_]{1,32})")
_RULE_FIELDS = {"username", "name", "enabled", "trigger", "cooldown", "actions", "secret", "rotateSecret", "id",
                "hasSecret", "createdAt", "updatedAt"}  # those a client may send back as it got them


class RuleError(ValueError):
    """Bad rule input; the message is one sentence for the client."""


def parse_rule(body, check_url, media_exists):
    """The rule as kept: {username, name, enabled, trigger, cooldown, actions}, plus `secret` when given.

    `check_url(url) -> url` raises ValueError for a webhook address refused (webhooks/addresses.py);
    `media_exists(name, kind) -> bool` says whether an uploaded image or sound is there (media.py)."""
    if not isinstance(body, dict):
        raise RuleError("Send the rule as a JSON object: {username, name, trigger, actions, ...}.")
    unknown = sorted(set(body) - _RULE_FIELDS)
    if unknown:
        raise RuleError(f"Unknown field {unknown[0]!r}: a rule has username, name, enabled, trigger, cooldown, "
                        "actions and secret.")
    rule = {
        "username": _username(body.get("username")),
        "name": _text(body.get("name"), "The rule's name", MAX_NAME),
        "enabled": _flag(body.get("enabled", True), "enabled"),
        "trigger": _trigger(body.get("trigger")),
        "cooldown": _cooldown(body.get("cooldown", {})),
        "actions": _actions(body.get("actions"), check_url, media_exists),
    }
    if body.get("secret") is not None:
        secret = body["secret"]
        if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= MAX_SECRET or not secret.isprintable():
            raise RuleError(f"The secret must be text of {MIN_SECRET} to {MAX_SECRET} printable characters.")
        rule["secret"] = secret
    return rule


def has_webhook(rule):
    return any(action["type"] == "webhook" for action in rule["actions"])


def _username(value):
    if not isinstance(value, str) or not value.strip():
        raise RuleError("Name the creator: `username`, a TikTok username or @name.")
    try:
        return parse_username(value)
    except UsernameError as ex:
        raise RuleError(f"`username`: {ex.message}.") from ex


def _text(value, subject, limit, allow_empty=False):
    if not isinstance(value, str) or (not value.strip() and not allow_empty):
        raise RuleError(f"{subject} must be text{'' if allow_empty else ' (not empty)'}.")
    if len(value) > limit:
        raise RuleError(f"{subject} is longer than {limit} characters.")
    return value.strip()


def _flag(value, name):
    if not isinstance(value, bool):
        raise RuleError(f"`{name}` must be true or false.")
    return value


def _whole(value, subject, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleError(f"{subject} must be a whole number from {low:,} to {high:,}.")
    return value


def _only(given, allowed, subject):
    extra = sorted(set(given) - set(allowed))
    if extra:
        raise RuleError(f"{subject} has no field {extra[0]!r}; its fields: {', '.join(allowed)}.")


def _trigger(trigger):
    if not isinstance(trigger, dict) or trigger.get("type") not in TRIGGERS:
        raise RuleError(f"`trigger` must be an object whose `type` is one of {', '.join(TRIGGERS)}.")
    kind = trigger["type"]
    fields = _TRIGGER_FIELDS[kind]
    _only(trigger, ("type", *fields), f"A {kind} trigger")
    if kind == "gift":
        if ("giftName" in trigger) == ("minDiamonds" in trigger):
            raise RuleError("A gift trigger names `giftName` (a gift's name) or `minDiamonds` (its whole value in "
                            "diamonds, diamonds x count), one of the two.")
        if "giftName" in trigger:
            return {"type": kind, "giftName": _text(trigger["giftName"], "`giftName`", 64)}
        return {"type": kind, "minDiamonds": _whole(trigger["minDiamonds"], "`minDiamonds`", 1, 1_000_000_000)}
    if kind == "likes":
        return {"type": kind, "every": _whole(trigger.get("every"), "`every` (likes)", 1, 1_000_000_000)}
    if kind == "command":
        text = trigger.get("command")
        match = _COMMAND.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise RuleError("`command` must be ! and a word of 1 to 32 letters, digits or _ (for example !dance).")
        return {"type": kind, "command": "!" + match.group(1).lower()}
    if kind == "keyword":
        return {"type": kind, "keyword": _text(trigger.get("keyword"), "`keyword`", 64)}
    if kind == "battle":
        if trigger.get("phase") not in BATTLE_PHASES:
            raise RuleError(f"A battle trigger's `phase` is {' or '.join(BATTLE_PHASES)}.")
        return {"type": kind, "phase": trigger["phase"]}
    return {"type": kind}


_TRIGGER_FIELDS = {"gift": ("giftName", "minDiamonds"), "likes": ("every",), "command": ("command",),
                   "keyword": ("keyword",), "battle": ("phase",)}
_TRIGGER_FIELDS.update((kind, ()) for kind in TRIGGERS if kind not in _TRIGGER_FIELDS)


def _cooldown(cooldown):
    if not isinstance(cooldown, dict):
        raise RuleError("`cooldown` must be an object: {userSeconds, globalSeconds}.")
    _only(cooldown, ("userSeconds", "globalSeconds"), "`cooldown`")
    return {name: _whole(cooldown.get(name, 0), f"`cooldown.{name}`", 0, MAX_COOLDOWN)
            for name in ("userSeconds", "globalSeconds")}


def _actions(actions, check_url, media_exists):
    if not isinstance(actions, list) or not 1 <= len(actions) <= MAX_ACTIONS:
        raise RuleError(f"`actions` must be a list of 1 to {MAX_ACTIONS} actions.")
    return [_action(action, number, check_url, media_exists) for number, action in enumerate(actions, 1)]


def _template(value, subject, allow_empty=False):
    text = _text(value, subject, MAX_TEXT, allow_empty)
    try:
        Template(text)
    except TemplateError as ex:
        raise RuleError(f"{subject}: {ex}") from ex
    return text


def _action(action, number, check_url, media_exists):
    if not isinstance(action, dict) or action.get("type") not in ACTIONS:
        raise RuleError(f"Action {number} must be an object whose `type` is one of {', '.join(ACTIONS)}.")
    kind = action["type"]
    subject = f"Action {number} ({kind})"
    if kind == "webhook":
        _only(action, ("type", "url"), subject)
        if not isinstance(action.get("url"), str):
            raise RuleError(f"{subject} needs `url`, the address to POST to.")
        try:
            return {"type": kind, "url": check_url(action["url"].strip())}
        except ValueError as ex:
            raise RuleError(f"{subject}: {ex}") from ex
    if kind == "overlay":
        _only(action, ("type", "text", "image", "sound", "seconds"), subject)
        kept = {"type": kind, "text": _template(action.get("text", ""), f"{subject}'s `text`", allow_empty=True),
                "seconds": _whole(action.get("seconds", 5), f"{subject}'s `seconds`", *SECONDS_RANGE)}
        for field, media_kind in (("image", "image"), ("sound", "sound")):
            name = action.get(field)
            if name is None:
                continue
            if not isinstance(name, str) or not media_exists(name, media_kind):
                raise RuleError(f"{subject}'s `{field}` must name an uploaded {media_kind} (POST /api/media).")
            kept[field] = name
        if not kept["text"] and "image" not in kept and "sound" not in kept:
            raise RuleError(f"{subject} shows nothing: give it a text, an image or a sound.")
        return kept
    if kind == "tts":
        _only(action, ("type", "text"), subject)
        return {"type": kind, "text": _template(action.get("text"), f"{subject}'s `text`")}
    _only(action, ("type", "name", "add"), subject)
    name = action.get("name")
    if not isinstance(name, str) or not COUNTER_NAME.fullmatch(name):
        raise RuleError(f"{subject}'s `name` must be 1 to 40 letters, digits, - or _.")
    add = _whole(action.get("add", 1), f"{subject}'s `add`", *COUNTER_ADD_RANGE)
    if add == 0:
        raise RuleError(f"{subject}'s `add` must not be 0.")
    return {"type": kind, "name": name, "add": add}
