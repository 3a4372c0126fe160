"""Parse what a person types into the connect field: `name`, `@name`, or a TikTok profile/live link.

This is the one rule; `static/js/usernames.js` mirrors it in the browser, and
`tests/support/username_cases.py` is the table both are tested against.
"""

import re

# 2 to 24 letters, digits, `_` or `.`, at least one of them not a dot (so never `..`).
_USERNAME = r"(?=[.]*[A-Za-z0-9_])[A-Za-z0-9_.]{2,24}"
# Scheme, host and `/live` in any case; the name itself only in ASCII (no case folding: "ſ" is not "s").
_SITE = r"(?i:(?:https?://)?(?:(?:www|m)\.)?tiktok\.com)"
# `@name`, `name`, `@name/live`; a profile or LIVE link, with or without scheme and www./m.
_PLAIN = re.compile(_USERNAME)
_HANDLE = re.compile(rf"@?({_USERNAME})(?:/live)?/?")
_LINK = re.compile(rf"{_SITE}/@({_USERNAME})(?i:/live)?/?(?:[?#]\S*)?")
# What the TikTok app's share button gives: a short link that only TikTok can resolve.
_SHORT_LINK = re.compile(r"(?i:(?:https?://)?(?:(?:vm|vt)\.tiktok\.com/|(?:(?:www|m)\.)?tiktok\.com/t/))\S*")

INVALID_MESSAGE = "Enter a TikTok username (2-24 letters, digits, _ or .), @name, or a tiktok.com profile or LIVE link"
SHORT_LINK_MESSAGE = (
    "That is a TikTok share link, which only TikTok can open: open it, then copy the profile's "
    "address (tiktok.com/@name) or the @name shown there"
)


class UsernameError(ValueError):
    """Not a username; `reason` is `short_link` or `invalid`."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


def parse_username(text):
    """The lower-case username in `text`; raises UsernameError when there is none."""
    if not isinstance(text, str):
        raise UsernameError("invalid", INVALID_MESSAGE)
    text = text.strip()
    match = _HANDLE.fullmatch(text) or _LINK.fullmatch(text)
    if match:
        return match.group(1).lower()
    if _SHORT_LINK.fullmatch(text):
        raise UsernameError("short_link", SHORT_LINK_MESSAGE)
    raise UsernameError("invalid", INVALID_MESSAGE)


def is_username(name):
    """Whether `name` is a username as the app keeps it (parse_username's result: the rule, in lower case)."""
    return isinstance(name, str) and name == name.lower() and _PLAIN.fullmatch(name) is not None
