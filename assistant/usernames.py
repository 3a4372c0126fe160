"""Parse what a person types into the connect field: `name`, `@name`, or a TikTok profile/live URL."""

import re

# 2 to 24 letters, digits, `_` or `.`, at least one of them not a dot (so never `..`).
_USERNAME = r"(?=[.]*[A-Za-z0-9_])[A-Za-z0-9_.]{2,24}"
_BARE = re.compile(rf"@?({_USERNAME})")
_URL = re.compile(rf"https?://(?:www\.|m\.)?tiktok\.com/@({_USERNAME})(?:/live)?/?(?:[?#]\S*)?")


def parse_username(text):
    """The lower-case username in `text`, or None when it is not one."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    match = _BARE.fullmatch(text) or _URL.fullmatch(text)
    return match.group(1).lower() if match else None
