"""The table of what the connect field accepts and refuses, shared by the server's tests and the
browser's (the server's rule in assistant/usernames.py, mirrored by static/js/usernames.js).

ACCEPTED: (input, username). REFUSED: (input, reason), reason `short_link` or `invalid`.
"""

ACCEPTED = [
    ("maya.sunny", "maya.sunny"),
    ("Maya.Sunny", "maya.sunny"),
    ("@maya.sunny", "maya.sunny"),
    ("  @maya_sunny  ", "maya_sunny"),
    ("ab", "ab"),
    ("a" * 24, "a" * 24),
    ("_.", "_."),
    ("@name/live", "name"),
    ("name/live", "name"),
    ("@name/", "name"),
    ("tiktok.com/@name", "name"),
    ("tiktok.com/@name/live", "name"),
    ("www.tiktok.com/@name", "name"),
    ("m.tiktok.com/@name?lang=en", "name"),
    ("https://www.tiktok.com/@name", "name"),
    ("https://www.tiktok.com/@name/live", "name"),
    ("https://www.tiktok.com/@Name.Live/live/", "name.live"),
    ("http://tiktok.com/@name/", "name"),
    ("HTTPS://WWW.TIKTOK.COM/@NAME", "name"),
    ("https://www.tiktok.com/@name/live?enter_from_merge=others_homepage&enter_method=others_photo", "name"),
    ("https://m.tiktok.com/@name#top", "name"),
]

REFUSED = [
    ("", "invalid"),
    ("   ", "invalid"),
    ("a", "invalid"),
    ("@a", "invalid"),
    ("a" * 25, "invalid"),
    ("..", "invalid"),
    ("@", "invalid"),
    ("@@name", "invalid"),
    ("name!", "invalid"),
    ("not a name", "invalid"),
    ("naïve", "invalid"),
    ("tiktok.com/@ſam", "invalid"),  # letters that only case-folding makes ASCII
    ("tiktok.com/@İab", "invalid"),
    ("<script>", "invalid"),
    ("tiktok.com/name", "invalid"),
    ("https://www.tiktok.com/@name/video/7301234567890123456", "invalid"),
    ("https://tiktok.com.evil.example/@name", "invalid"),
    ("https://evil.example/@name", "invalid"),
    ("https://evil.example/?u=tiktok.com/@name", "invalid"),
    ("ftp://tiktok.com/@name", "invalid"),
    ("https://www.tiktok.com/@", "invalid"),
    ("vm.tiktok.com/ZMabc123/", "short_link"),
    ("https://vm.tiktok.com/ZMabc123/", "short_link"),
    ("https://vt.tiktok.com/ZSabc123/", "short_link"),
    ("https://www.tiktok.com/t/ZTabc123/", "short_link"),
]
