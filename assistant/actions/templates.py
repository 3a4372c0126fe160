"""The texts of a rule's actions: templates with placeholders, rendered as plain text (docs/actions.md).

`{user}` the viewer's username, `{nickname}` their display name, `{gift}` the gift's name, `{count}` the gift's
units (or the likes milestone passed), `{diamonds}` the gift's whole value (diamonds x units), `{comment}` what
the viewer wrote, `{counter:name}` a named counter's value; `{{` and `}}` are a brace. A template is checked when
its rule is saved (an unknown placeholder is an error then, not a blank on stream) and parsed once; rendering
only joins strings. The result is text: the overlay puts it in with textContent, never as markup.
"""

import re

PLACEHOLDERS = ("user", "nickname", "gift", "count", "diamonds", "comment")
COUNTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")
MAX_RENDERED = 500  # characters: a viewer's long comment cannot flood the stream

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class TemplateError(ValueError):
    """A template that cannot be rendered; the message is one sentence."""


class Template:
    """A parsed template: literal strings and placeholders, in order."""

    __slots__ = ("counters", "parts", "text")

    def __init__(self, text):
        self.text = text
        parts, counters, at = [], [], 0
        for match in _TOKEN.finditer(text):
            if match.start() > at:
                parts.append(text[at:match.start()])
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(token[0])
            elif match.group(1) is None:
                raise TemplateError(f"A lone {token!r}: write {token * 2} for a brace, or a placeholder like {{user}}.")
            else:
                parts.append(_placeholder(match.group(1).strip(), counters))
            at = match.end()
        if at < len(text):
            parts.append(text[at:])
        self.parts = tuple(parts)
        self.counters = tuple(counters)

    def render(self, values, counters):
        """The text, with `values` ({placeholder: str}) and `counters` ({name: int}) put in."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part[0] == "counter":
                out.append(str(counters.get(part[1], 0)))
            else:
                out.append(values.get(part[1], ""))
        text = "".join(out)
        return text if len(text) <= MAX_RENDERED else text[:MAX_RENDERED - 1] + "…"


def _placeholder(name, counters):
    kind, colon, counter = name.partition(":")
    if colon:
        if kind != "counter" or not COUNTER_NAME.fullmatch(counter):
            raise TemplateError(f"Unknown placeholder {{{name}}}: a counter is {{counter:name}}, the name made of "
                                "letters, digits, - and _.")
        counters.append(counter)
        return ("counter", counter)
    if name not in PLACEHOLDERS:
        raise TemplateError(f"Unknown placeholder {{{name}}}: use "
                            f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)} or {{counter:name}}.")
    return ("value", name)


def event_values(event, milestone=None):
    """The placeholders' values for an event (the contract's dict), all text. `milestone`: the likes total a
    `likes` rule passed, given as `{count}`."""
    user = event.get("user") or {}
    values = {"user": user.get("uniqueId") or "", "nickname": user.get("nickname") or user.get("uniqueId") or ""}
    kind = event.get("type")
    if kind == "gift":
        units = event.get("repeatCount") or 1
        values.update(gift=event.get("giftName") or "", count=str(units),
                      diamonds=str((event.get("diamondCount") or 0) * units))
    elif kind == "chat":
        values["comment"] = event.get("comment") or ""
    if milestone is not None:
        values["count"] = str(milestone)
    return values
