"""The options of an overlay (docs/overlays.md): the one parser of `/overlay/<username>?...`.

`parse_overlay(username, params)` checks the creator and every query parameter and returns an `Overlay`,
or raises `OverlayError` with one plain sentence saying what is wrong. The page (pages.py) and
the builder's URL maker (`POST /api/overlay-url`) both go through it, so the builder can only hand out
URLs that the page accepts, and the signature (signature.py) covers the same canonical form.

Parameters (all optional but `widgets`; a widget's options are checked even when it is not shown):

| name | values | default | for |
|---|---|---|---|
| `widgets` | a comma-separated subset of WIDGETS | (required) | the page |
| `goal` | `diamonds:N`, `likes:N` or `follows:N`, N from 1 to 1,000,000,000 | (required with goal) | goal |
| `max` | rows shown, 1 to 50 | 8 | chat, gifts |
| `minDiamonds` | a gift's whole value (diamonds x count) that alerts, 1 to 1,000,000 | 1 | alerts |
| `seconds` | how long each alert shows, 2 to 60 | 5 | alerts |
| `queue` | alerts (and actions) waiting at most (a storm cannot queue an hour), 1 to 100 | 10 | alerts, actions |
| `sound` | 1: a tone with each alert; 0: none | 1 | alerts |
| `tts` | 0; 1 or alerts: alerts read aloud; chat: chat lines; alerts,chat: both | 0 | alerts, the page |
| `repeatStreaks` | 1: each step of a streak is an alert of its own; 0: one alert, counting up | 0 | alerts |
| `fontScale` | text size, 0.5 to 3 (up to two decimals) | 1 | the page |
| `featuredSeconds` | how long the featured chat line shows, 3 to 120 | 15 | featured |

The second round's options (`board`, `rows`, `counter`, `alertOn`, `ttsRate`, `featuredSeconds`, the styling:
`textColor`, `accentColor`, `font`, `align`, `background`, `direction`) are in `_NEW_OPTIONS` and docs/overlays.md. They
enter the signed canonical form only when the URL gives them a value other than their default: the URLs
signed before they existed keep their signature.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from ..actions.templates import COUNTER_NAME
from ..featuring import KEEP_SECONDS as FEATURED_KEEP_SECONDS
from ..usernames import UsernameError, parse_username

# Each new widget goes last: the order is the URL's canonical one (signed URLs made before stay valid).
WIDGETS = ("chat", "gifts", "alerts", "goal", "battle", "poll", "actions", "leaderboard", "viewers", "counter",
           "featured")
BOARDS = ("gifters", "chatters", "likers")
ALERT_KINDS = ("gift", "follow", "share", "subscribe", "likes")  # the canonical order of alertOn
TTS_KINDS = ("alerts", "chat")
TTS_RATES = (3, 6, 10, 20)  # chat lines read a minute at most: the dashboard's choices (static/js/settings.js)
FONTS = ("system", "sans", "serif", "mono", "rounded", "condensed")  # mapped to font stacks in overlay.css
ALIGNS = ("left", "center", "right")
DIRECTIONS = ("bottom", "top")  # where the newest row of a list is
GOAL_METRICS = ("diamonds", "likes", "follows")
MAX_GOAL = 1_000_000_000
SIGNATURE_PARAM = "sig"
MAX_PARAM_LENGTH = 200

_WHOLE = re.compile(r"[0-9]{1,10}")
_SCALE = re.compile(r"[0-9]{1,2}(?:\.[0-9]{1,2})?")
_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


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
    tts: tuple = ()  # what is read aloud: of TTS_KINDS
    repeat_streaks: bool = False
    font_scale: float = 1.0
    board: str = "gifters"
    rows: int = 5
    counter: str | None = None
    alert_on: tuple = ("gift",)  # of ALERT_KINDS
    likes_every: int | None = None  # with "likes" in alert_on
    tts_rate: int = 6
    text_color: str | None = None  # "#rrggbb"; None: the theme's
    accent_color: str | None = None
    font: str = "system"
    align: str = "left"
    background: float = 0.6
    direction: str = "bottom"
    featured_seconds: int = 15  # the featured widget: how long a featured chat line shows

    def texts(self):
        """Every option as the URL writes it (None: not given), in the query's fixed order."""
        alert_on = [f"likes:{self.likes_every}" if kind == "likes" else kind for kind in self.alert_on]
        return {
            "widgets": ",".join(self.widgets),
            "goal": f"{self.goal_metric}:{self.goal_target}" if self.goal_metric else None,
            "max": self.max, "minDiamonds": self.min_diamonds, "seconds": self.seconds, "queue": self.queue,
            "sound": _flag_text(self.sound), "tts": _tts_text(self.tts),
            "repeatStreaks": _flag_text(self.repeat_streaks),
            "fontScale": _scale_text(self.font_scale),
            # the second round's
            "board": self.board, "rows": self.rows, "counter": self.counter, "alertOn": ",".join(alert_on),
            "ttsRate": self.tts_rate, "textColor": self.text_color, "accentColor": self.accent_color,
            "font": self.font, "align": self.align, "background": _scale_text(self.background),
            "direction": self.direction,
            "featuredSeconds": self.featured_seconds,
        }

    def params(self):
        """The query parameters that say this overlay, defaults left out, in a fixed order."""
        return {name: str(value) for name, value in self.texts().items()
                if value is not None and (name == "widgets" or str(value) != _DEFAULT_PARAMS.get(name))}

    def query(self):
        """The canonical query string (no signature)."""
        return urlencode(self.params(), safe=",:")

    def canonical(self):
        """What the signature covers: the creator and every option in a fixed order: the first round's options
        always, their defaults included (the form URLs were signed in before the second round), and the second
        round's options when given a value other than their default, so that those URLs still verify and a
        new option cannot be taken off a signed URL."""
        signed = {**_SIGNED_DEFAULTS, **self.params()}
        return "\n".join([self.username, *(f"{name}={value}" for name, value in sorted(signed.items()))])

    def for_page(self):
        """The options as the page's script reads them (JSON)."""
        return {
            "username": self.username, "widgets": list(self.widgets),
            "goal": {"metric": self.goal_metric, "target": self.goal_target} if self.goal_metric else None,
            "max": self.max, "minDiamonds": self.min_diamonds, "seconds": self.seconds, "queue": self.queue,
            "sound": self.sound, "tts": "alerts" in self.tts, "repeatStreaks": self.repeat_streaks,
            "fontScale": self.font_scale, "board": self.board, "rows": self.rows, "counter": self.counter,
            "alertOn": list(self.alert_on), "likesEvery": self.likes_every, "ttsChat": "chat" in self.tts,
            "ttsRate": self.tts_rate, "textColor": self.text_color, "accentColor": self.accent_color,
            "font": self.font, "align": self.align, "background": self.background, "direction": self.direction,
            "featuredSeconds": self.featured_seconds,
        }


# name -> (field, low, high)
_NUMBERS = {
    "max": ("max", 1, 50),
    "minDiamonds": ("min_diamonds", 1, 1_000_000),
    "seconds": ("seconds", 2, 60),
    "queue": ("queue", 1, 100),
    "rows": ("rows", 1, 10),
    # the featured widget: at most as long as the server keeps a featured line (featuring.py)
    "featuredSeconds": ("featured_seconds", 3, FEATURED_KEEP_SECONDS),
}
_FLAGS = {"sound": "sound", "repeatStreaks": "repeat_streaks"}
_SCALE_RANGE = (0.5, 3.0)
_BACKGROUND_RANGE = (0.0, 1.0)
# name -> (field, the values it may take), for options that name one of a fixed list
_CHOICES = {"board": ("board", BOARDS), "font": ("font", FONTS), "align": ("align", ALIGNS),
            "direction": ("direction", DIRECTIONS)}
_COLOURS = {"textColor": "text_color", "accentColor": "accent_color"}
_NEW_OPTIONS = ("board", "rows", "counter", "alertOn", "ttsRate", "textColor", "accentColor", "font", "align",
                "background", "direction", "featuredSeconds")
KNOWN = ("widgets", "goal", "max", "minDiamonds", "seconds", "queue", "sound", "tts", "repeatStreaks", "fontScale",
         *_NEW_OPTIONS)


def _scale_text(value):
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _shown(text):
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _whole(name, text, low, high, subject=None):
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise _refuse(name, f"must be a whole number from {low:,} to {high:,}, not {_shown(text)}.", subject)
    return int(text)


def _flag_text(value):
    return "1" if value else "0"


def _tts_text(kinds):
    """0, 1 (alerts: the first round's value), chat, or alerts,chat."""
    return {(): "0", ("alerts",): "1"}.get(tuple(kinds), ",".join(kinds))


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


def _scale(text, name="fontScale", bounds=_SCALE_RANGE, example="1.5"):
    low, high = bounds
    if not _SCALE.fullmatch(text) or not low <= float(text) <= high:
        raise _refuse(name, f"must be a number from {_scale_text(low)} to {_scale_text(high)} "
                            f"(for example {example}), not {_shown(text)}.")
    return round(float(text), 2)


def _choice(name, text, values):
    if text not in values:
        raise _refuse(name, f"must be one of {', '.join(values)}, not {_shown(text)}.")
    return text


def _colour(name, text):
    """A CSS hex colour (#rgb or #rrggbb, the # optional: a URL writes it %23), as #rrggbb."""
    match = _COLOUR.fullmatch(text)
    if not match:
        raise _refuse(name, f"must be a colour as #rgb or #rrggbb (for example #ffcc00), not {_shown(text)}.")
    digits = match.group(1).lower()
    return "#" + (digits if len(digits) == 6 else "".join(d * 2 for d in digits))


def _tts(text):
    if text in ("0", "1"):
        return ("alerts",) if text == "1" else ()
    kinds = [kind.strip() for kind in text.split(",")]
    if not all(kind in TTS_KINDS for kind in kinds) or len(set(kinds)) != len(kinds):
        raise _refuse("tts", f"must be 0, 1, alerts, chat or alerts,chat, not {_shown(text)}.")
    return tuple(kind for kind in TTS_KINDS if kind in kinds)


def _alert_on(text):
    """(kinds in ALERT_KINDS' order, likes' N or None) from "gift,follow,likes:1000"."""
    kinds, every = [], None
    for item in (part.strip() for part in text.split(",")):
        kind, colon, number = item.partition(":")
        if kind not in ALERT_KINDS or bool(colon) != (kind == "likes"):
            raise _refuse("alertOn", f"must name one or more of gift, follow, share, subscribe, likes:N "
                                     f"(for example gift,follow,likes:1000), not {_shown(item)}.")
        if kind in kinds:
            raise _refuse("alertOn", f"names {kind} twice.")
        if kind == "likes":
            every = _whole("alertOn", number, 1, MAX_GOAL, subject="The likes of alertOn")
        kinds.append(kind)
    return tuple(kind for kind in ALERT_KINDS if kind in kinds), every


def _new_fields(given, widgets):
    """The Overlay fields of the second round's options given."""
    fields = {}
    for param, (field, values) in _CHOICES.items():
        if param in given:
            fields[field] = _choice(param, given[param], values)
    for param, field in _COLOURS.items():
        if param in given:
            fields[field] = _colour(param, given[param])
    if "counter" in given:
        if not COUNTER_NAME.fullmatch(given["counter"]):
            raise _refuse("counter", f"must be a counter's name: 1 to 40 letters, digits, - or _, "
                                     f"not {_shown(given['counter'])}.")
        fields["counter"] = given["counter"]
    elif "counter" in widgets:
        raise OverlayError("The counter widget needs counter=<name>: one of the creator's counters "
                           "(for example counter=deaths).")
    if "alertOn" in given:
        fields["alert_on"], fields["likes_every"] = _alert_on(given["alertOn"])
    if "ttsRate" in given:
        rates = tuple(str(rate) for rate in TTS_RATES)
        fields["tts_rate"] = int(_choice("ttsRate", given["ttsRate"], rates))
    if "background" in given:
        fields["background"] = _scale(given["background"], "background", _BACKGROUND_RANGE, "0.4")
    return fields


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
    if "tts" in given:
        fields["tts"] = _tts(given["tts"])
    if "fontScale" in given:
        fields["font_scale"] = _scale(given["fontScale"])
    fields.update(_new_fields(given, widgets))
    return Overlay(**fields)


_DEFAULT_PARAMS = {name: str(value) for name, value in Overlay("", ()).texts().items()
                   if value is not None and name != "widgets"}
# The first round's options with a default: the canonical form always lists them (as URLs were signed then).
_SIGNED_DEFAULTS = {name: value for name, value in _DEFAULT_PARAMS.items() if name not in _NEW_OPTIONS}
