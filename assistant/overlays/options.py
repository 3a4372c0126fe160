"""The options of an overlay (docs/overlays.md): the one parser of `/overlay/<username>?...`.

`parse_overlay(username, params)` checks the creator and every query parameter and returns an `Overlay`,
or raises `OverlayError` with one plain sentence saying what is wrong. The page (pages.py) and
the builder's URL maker (`POST /api/overlay-url`) both go through it, so the builder can only hand out
URLs that the page accepts, and the signature (signature.py) covers the same canonical form.

Parameters (all optional but `widgets`; a widget's options are checked even when it is not shown):

| name | values | default | for |
|---|---|---|---|
| `widgets` | a comma-separated subset of WIDGETS (below) | (required) | the page |
| `goal` | `diamonds:N`, `likes:N` or `follows:N`, N from 1 to 1,000,000,000 | (required with goal) | goal |
| `max` | rows shown, 1 to 50 | 8 | chat, gifts |
| `minDiamonds` | a gift's whole value (diamonds x count) that alerts, 1 to 1,000,000 | 1 | alerts |
| `seconds` | how long each alert shows, 2 to 60 | 5 | alerts |
| `queue` | alerts (and actions) waiting at most (a storm cannot queue an hour), 1 to 100 | 10 | alerts, actions |
| `sound` | 1: a tone with each alert; 0: none | 1 | alerts |
| `tts` | 1: each alert is read aloud; 0: not | 0 | alerts |
| `repeatStreaks` | 1: each step of a streak is an alert of its own; 0: one alert, counting up | 0 | alerts |
| `fontScale` | text size, 0.5 to 3 (up to two decimals) | 1 | the page |
| `featuredSeconds` | how long the featured chat line shows, 3 to 120 | 15 | featured |
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from ..featuring import KEEP_SECONDS as FEATURED_KEEP_SECONDS
from ..usernames import UsernameError, parse_username

# Each new widget goes last: the order is the URL's canonical one (signed URLs made before stay valid).
WIDGETS = ("chat", "gifts", "alerts", "goal", "battle", "poll", "actions", "featured")
GOAL_METRICS = ("diamonds", "likes", "follows")
MAX_GOAL = 1_000_000_000
SIGNATURE_PARAM = "sig"
MAX_PARAM_LENGTH = 200

_WHOLE = re.compile(r"[0-9]{1,10}")
_SCALE = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")


class OverlayError(ValueError):
    """Bad overlay input; the message is one sentence for the page.

    When the fault is one option's value, `option` names it (the URL's name) and `rule` is the sentence
    without its subject ("must be a whole number from 1 to 50, not '0'."), so that the dashboard's builder
    can say it of the field the user sees ("“Rows shown” must be ...") instead of the URL's name."""

    def __init__(self, message, option=None, rule=None):
        super().__init__(message)
        self.option = option
        self.rule = rule


def _refuse(option, rule, subject=None):
    """The error for `option`'s value: "<subject, the option's name by default> <rule>"."""
    return OverlayError(f"{subject or option} {rule}", option=option, rule=rule)


@dataclass(frozen=True)
class Overlay:
    username: str
    widgets: tuple
    goal_metric: str | None = None
    goal_target: int | None = None
    max: int = 8
    min_diamonds: int = 1
    seconds: int = 5
    queue: int = 10
    sound: bool = True
    tts: bool = False
    repeat_streaks: bool = False
    font_scale: float = 1.0
    featured_seconds: int = 15  # the featured widget: how long a featured chat line shows

    def params(self):
        """The query parameters that say this overlay, defaults left out, in a fixed order."""
        values = {
            "widgets": ",".join(self.widgets),
            "goal": f"{self.goal_metric}:{self.goal_target}" if self.goal_metric else None,
        }
        for name, (field, _, _) in _NUMBERS.items():
            values[name] = getattr(self, field)
        for name, field in _FLAGS.items():
            values[name] = "1" if getattr(self, field) else "0"
        values["fontScale"] = _scale_text(self.font_scale)
        defaults = _DEFAULT_PARAMS
        return {name: str(value) for name, value in values.items()
                if value is not None and (name == "widgets" or str(value) != defaults.get(name))}

    def query(self):
        """The canonical query string (no signature)."""
        return urlencode(self.params(), safe=",:")

    def canonical(self):
        """What the signature covers: the creator and every option, defaults included, in a fixed order."""
        return "\n".join([self.username, *(f"{name}={value}" for name, value in sorted(self._all_params().items()))])

    def _all_params(self):
        return {**_DEFAULT_PARAMS, **self.params()}

    def for_page(self):
        """The options as the page's script reads them (JSON)."""
        return {
            "username": self.username, "widgets": list(self.widgets),
            "goal": {"metric": self.goal_metric, "target": self.goal_target} if self.goal_metric else None,
            "max": self.max, "minDiamonds": self.min_diamonds, "seconds": self.seconds, "queue": self.queue,
            "sound": self.sound, "tts": self.tts, "repeatStreaks": self.repeat_streaks, "fontScale": self.font_scale,
            "featuredSeconds": self.featured_seconds,
        }


# name -> (field, low, high)
_NUMBERS = {
    "max": ("max", 1, 50),
    "minDiamonds": ("min_diamonds", 1, 1_000_000),
    "seconds": ("seconds", 2, 60),
    "queue": ("queue", 1, 100),
    # the featured widget: at most as long as the server keeps a featured line (featuring.py)
    "featuredSeconds": ("featured_seconds", 3, FEATURED_KEEP_SECONDS),
}
_FLAGS = {"sound": "sound", "tts": "tts", "repeatStreaks": "repeat_streaks"}
_SCALE_RANGE = (0.5, 3.0)
KNOWN = ("widgets", "goal", *_NUMBERS, *_FLAGS, "fontScale")


def _scale_text(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _shown(text):
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _whole(name, text, low, high, subject=None):
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise _refuse(name, f"must be a whole number from {low:,} to {high:,}, not {_shown(text)}.", subject)
    return int(text)


def _flag(name, text):
    if text not in ("0", "1"):
        raise _refuse(name, f"must be 0 or 1, not {_shown(text)}.")
    return text == "1"


def _widgets(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise _refuse("widgets", f"must name one or more of {', '.join(WIDGETS)}.")
    unknown = [name for name in names if name not in WIDGETS]
    if unknown:
        raise OverlayError(f"Unknown widget {_shown(unknown[0])}: choose from {', '.join(WIDGETS)}.")
    if len(set(names)) != len(names):
        raise _refuse("widgets", "names a widget twice.")
    return tuple(name for name in WIDGETS if name in names)  # one order, whatever the URL's


def _goal(text):
    metric, colon, target = text.partition(":")
    if metric not in GOAL_METRICS or not colon:
        raise _refuse("goal", "must be diamonds:N, likes:N or follows:N (for example diamonds:5000), "
                              f"not {_shown(text)}.")
    return metric, _whole("goal", target, 1, MAX_GOAL, subject="The goal")


def _scale(text):
    low, high = _SCALE_RANGE
    if not _SCALE.fullmatch(text) or not low <= float(text) <= high:
        raise _refuse("fontScale", f"must be a number from {_scale_text(low)} to {_scale_text(high)} "
                                   f"(for example 1.5), not {_shown(text)}.")
    return round(float(text), 2)


def _single(params):
    """{name: text} from a mapping or a werkzeug MultiDict; a name given twice, an unknown or an over-long
    one is an error."""
    lists = params.to_dict(flat=False) if hasattr(params, "to_dict") else {k: [v] for k, v in params.items()}
    single = {}
    for name, values in lists.items():
        if name == SIGNATURE_PARAM:
            continue
        if name not in KNOWN:
            raise OverlayError(f"Unknown option {_shown(str(name))}: the options are {', '.join(KNOWN)}.")
        if len(values) != 1:
            raise _refuse(name, "is given more than once.")
        value = values[0]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _refuse(name, "must be text or a number.")
        value = str(value).strip()
        if len(value) > MAX_PARAM_LENGTH:
            raise _refuse(name, "is too long.")
        single[name] = value
    return single


def parse_overlay(username, params):
    """The Overlay that `username` (as in the path) and `params` (the query, without or with `sig`) say."""
    try:
        name = parse_username(username)
    except UsernameError as ex:
        raise OverlayError(f"{_shown(str(username))} is not a TikTok username. {ex.message}.") from ex
    given = _single(params)
    if "widgets" not in given:
        raise OverlayError(f"Add widgets=… naming one or more of {', '.join(WIDGETS)} (for example widgets=chat).")
    widgets = _widgets(given["widgets"])
    fields = {"username": name, "widgets": widgets}
    if "goal" in given:
        fields["goal_metric"], fields["goal_target"] = _goal(given["goal"])
    elif "goal" in widgets:
        raise OverlayError("The goal widget needs goal=diamonds:N, likes:N or follows:N (for example diamonds:5000).")
    for param, (field, low, high) in _NUMBERS.items():
        if param in given:
            fields[field] = _whole(param, given[param], low, high)
    for param, field in _FLAGS.items():
        if param in given:
            fields[field] = _flag(param, given[param])
    if "fontScale" in given:
        fields["font_scale"] = _scale(given["fontScale"])
    return Overlay(**fields)


_DEFAULT_PARAMS = {
    **{name: str(getattr(Overlay, field)) for name, (field, _, _) in _NUMBERS.items()},
    **{name: "1" if getattr(Overlay, field) else "0" for name, field in _FLAGS.items()},
    "fontScale": _scale_text(Overlay.font_scale),
}
