"""The overlay's options (assistant/overlays/options.py) and signature (overlays/signature.py), without a server.

The second round's options (issue 25: widgets leaderboard, viewers, counter; alertOn, tts=chat, the styling) are
checked here too, and a URL signed before them still verifies (fixed examples, signed by the code of then)."""

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from assistant.overlays.options import WIDGETS, Overlay, OverlayError, parse_overlay
from assistant.overlays.signature import SignatureError, checked_overlay, signature, signed_query, socket_overlay


def test_every_option_parsed_and_the_query_canonical():
    overlay = parse_overlay("@Some.One", MultiDict([
        ("widgets", "goal, chat,alerts"), ("goal", "follows:250"), ("max", "12"), ("minDiamonds", "99"),
        ("seconds", "7"), ("queue", "3"), ("sound", "0"), ("tts", "1"), ("repeatStreaks", "1"), ("fontScale", "1.50"),
    ]))
    assert overlay == Overlay(username="some.one", widgets=("chat", "alerts", "goal"), goal_metric="follows",
                              goal_target=250, max=12, min_diamonds=99, seconds=7, queue=3, sound=False,
                              tts=("alerts",), repeat_streaks=True, font_scale=1.5)
    assert overlay.query() == ("widgets=chat,alerts,goal&goal=follows:250&max=12&minDiamonds=99&seconds=7&queue=3"
                               "&sound=0&tts=1&repeatStreaks=1&fontScale=1.5")
    assert parse_overlay("some.one", MultiDict(overlay.params())) == overlay, "the query says the same overlay"
    defaults = parse_overlay("x1", {"widgets": "chat", "max": 8, "sound": "1"})
    assert defaults.query() == "widgets=chat", "defaults left out"
    assert overlay.for_page()["goal"] == {"metric": "follows", "target": 250}


def test_the_battle_and_poll_widgets_need_no_option_of_their_own():
    overlay = parse_overlay("maya", {"widgets": "poll,battle,chat"})
    assert overlay.widgets == ("chat", "battle", "poll")  # one order, whatever the URL's
    assert overlay.query() == "widgets=chat,battle,poll"
    assert overlay.for_page()["widgets"] == ["chat", "battle", "poll"]
    assert parse_overlay("maya", {"widgets": "battle"}).for_page()["goal"] is None


@pytest.mark.parametrize("params", [
    {"widgets": "chat", "fontScale": "0.4"}, {"widgets": "chat", "fontScale": "3.01"},
    {"widgets": "chat", "fontScale": "1.234"}, {"widgets": "chat", "seconds": "1"}, {"widgets": "chat", "queue": "101"},
    {"widgets": "chat", "minDiamonds": "1000001"}, {"widgets": "chat,chat"}, {"widgets": " , "},
    {"widgets": "goal", "goal": "diamonds:"}, {"widgets": "goal", "goal": "diamonds:1000000001"},
    {"widgets": "chat", "max": "٣"}, {"widgets": "chat", "max": " "}, {"widgets": "chat", "max": "x" * 500},
    {"widgets": "chat", "sig": "whatever", "other": "1"}, {"widgets": None}, {"widgets": "chat", "max": 3.5},
])
def test_bad_options_are_one_sentence(params):
    with pytest.raises(OverlayError) as refused:
        parse_overlay("someone", params)
    message = str(refused.value)
    assert message.endswith(".") and "\n" not in message and len(message) < 300  # the longest lists every option


@pytest.mark.parametrize(("params", "option", "message"), [
    ({"widgets": "chat", "max": "0"}, "max", "max must be a whole number from 1 to 50, not '0'."),
    ({"widgets": "chat", "fontScale": "5"}, "fontScale", "fontScale must be a number from 0.5 to 3 (for example 1.5), "
                                                         "not '5'."),
    ({"widgets": "goal", "goal": "likes:"}, "goal", "The goal must be a whole number from 1 to 1,000,000,000, not ''."),
    ({"widgets": "goal", "goal": "coins:5"}, "goal", "goal must be diamonds:N, likes:N or follows:N (for example "
                                                     "diamonds:5000), not 'coins:5'."),
    ({"widgets": "alerts", "tts": "yes"}, "tts", "tts must be 0, 1, alerts, chat or alerts,chat, not 'yes'."),
    ({"widgets": " , "}, "widgets", f"widgets must name one or more of {', '.join(WIDGETS)}."),
    ({"widgets": "chat,confetti"}, None, f"Unknown widget 'confetti': choose from {', '.join(WIDGETS)}."),
    ({"widgets": "featured", "featuredSeconds": "121"}, "featuredSeconds",
     "featuredSeconds must be a whole number from 3 to 120, not '121'."),
    ({"widgets": "goal"}, None, "The goal widget needs goal=diamonds:N, likes:N or follows:N "
                                "(for example diamonds:5000)."),
])
def test_a_bad_value_names_its_option_and_the_rule_apart(params, option, message):
    """The builder says the rule of the field's label (issue 19): `option` and `rule`, the message without
    its subject, when one option's value is at fault."""
    with pytest.raises(OverlayError) as refused:
        parse_overlay("someone", params)
    assert (str(refused.value), refused.value.option) == (message, option)
    if option:
        assert message.endswith(" " + refused.value.rule)
    else:
        assert refused.value.rule is None


def test_the_signature_covers_the_creator_and_every_option_under_the_key():
    app = Flask(__name__)
    app.config.update(ACCESS_PASSWORD="pw", SECRET_KEY="k1")
    base = parse_overlay("maya", {"widgets": "chat"})
    with app.app_context():
        sig = signature(base)
        assert signed_query(base) == f"widgets=chat&sig={sig}"
        assert signature(parse_overlay("maya", {"widgets": "chat", "max": "8"})) == sig, "the same overlay"
        others = [("maya2", {"widgets": "chat"}), ("maya", {"widgets": "chat", "max": "9"}),
                  ("maya", {"widgets": "chat", "minDiamonds": "2"})]
        for username, params in others:
            assert signature(parse_overlay(username, params)) != sig
        assert checked_overlay("Maya", MultiDict({"widgets": "chat", "sig": sig})) == base
        with pytest.raises(SignatureError) as missing:
            checked_overlay("maya", MultiDict({"widgets": "nonsense"}))  # no signature: 401 before anything else
        assert missing.value.status == 401
        with pytest.raises(SignatureError) as wrong:
            checked_overlay("maya", MultiDict({"widgets": "chat", "max": "9", "sig": sig}))
        assert wrong.value.status == 403
        auth = {"kind": "overlay", "overlay": {"username": "maya", "query": f"?widgets=chat&sig={sig}"}}
        assert socket_overlay(auth) == "maya"
        for bad in ({**auth, "kind": "dashboard"}, {"kind": "overlay"}, {"kind": "overlay", "overlay": "x"},
                    {"kind": "overlay", "overlay": {"username": 5, "query": ""}},
                    {"kind": "overlay", "overlay": {"username": "maya", "query": "widgets=chat&sig=" + "A" * 43}},
                    {"kind": "overlay", "overlay": {"username": "maya", "query": "&" * 5000}}, None, []):
            assert socket_overlay(bad) is None, bad
    app.config["SECRET_KEY"] = "k2"
    with app.app_context():
        assert signature(base) != sig, "another server's key"


# --- the second round (issue 25) ---------------------------------------------------------------------------------


def test_the_second_rounds_options_parsed_and_written_back():
    overlay = parse_overlay("maya", MultiDict([
        ("widgets", "counter,leaderboard,viewers,alerts"), ("board", "likers"), ("rows", "3"), ("counter", "deaths"),
        ("alertOn", "likes:1000, follow,gift,subscribe,share"), ("tts", "chat,alerts"), ("ttsRate", "10"),
        ("textColor", "#FC0"), ("accentColor", "00AAff"), ("font", "serif"), ("align", "center"),
        ("background", "0.25"), ("direction", "top"),
    ]))
    assert overlay.widgets == ("alerts", "leaderboard", "viewers", "counter")
    assert (overlay.board, overlay.rows, overlay.counter) == ("likers", 3, "deaths")
    assert overlay.alert_on == ("gift", "follow", "share", "subscribe", "likes") and overlay.likes_every == 1000
    assert overlay.tts == ("alerts", "chat") and overlay.tts_rate == 10
    assert (overlay.text_color, overlay.accent_color) == ("#ffcc00", "#00aaff"), "parsed and written again"
    assert (overlay.font, overlay.align, overlay.background, overlay.direction) == ("serif", "center", 0.25, "top")
    assert overlay.query() == (
        "widgets=alerts,leaderboard,viewers,counter&tts=alerts,chat&board=likers&rows=3&counter=deaths"
        "&alertOn=gift,follow,share,subscribe,likes:1000&ttsRate=10&textColor=%23ffcc00&accentColor=%2300aaff"
        "&font=serif&align=center&background=0.25&direction=top")
    assert parse_overlay("maya", MultiDict(overlay.params())) == overlay, "the query says the same overlay"
    page = overlay.for_page()
    assert page["tts"] is True and page["ttsChat"] is True and page["alertOn"] == list(overlay.alert_on)
    assert page["textColor"] == "#ffcc00" and page["likesEvery"] == 1000

    defaults = parse_overlay("maya", {"widgets": "leaderboard", "board": "gifters", "rows": "5", "alertOn": "gift",
                                      "tts": "0", "ttsRate": "6", "font": "system", "align": "left",
                                      "background": "0.60", "direction": "bottom"})
    assert defaults.query() == "widgets=leaderboard", "defaults left out"
    assert parse_overlay("maya", {"widgets": "alerts", "tts": "alerts"}).query() == "widgets=alerts&tts=1", \
        "alerts read aloud is written as before: tts=1"
    assert parse_overlay("maya", {"widgets": "chat", "tts": "chat"}).tts == ("chat",)


@pytest.mark.parametrize(("params", "option", "message"), [
    ({"widgets": "chat", "textColor": "red"}, "textColor",
     "textColor must be a colour as #rgb or #rrggbb (for example #ffcc00), not 'red'."),
    ({"widgets": "chat", "textColor": "#ffcc0"}, "textColor", None),
    ({"widgets": "chat", "accentColor": "#ff0000;background:url(x)"}, "accentColor", None),
    ({"widgets": "chat", "accentColor": "rgb(1,2,3)"}, "accentColor", None),
    ({"widgets": "chat", "textColor": ""}, "textColor", None),
    ({"widgets": "chat", "font": "Comic Sans MS"}, "font",
     "font must be one of system, sans, serif, mono, rounded, condensed, not 'Comic Sans MS'."),
    ({"widgets": "chat", "font": "serif;color:red"}, "font", None),
    ({"widgets": "chat", "align": "justify"}, "align", "align must be one of left, center, right, not 'justify'."),
    ({"widgets": "chat", "background": "1.5"}, "background",
     "background must be a number from 0 to 1 (for example 0.4), not '1.5'."),
    ({"widgets": "chat", "background": "-0"}, "background", None),
    ({"widgets": "chat", "direction": "sideways"}, "direction", None),
    ({"widgets": "leaderboard", "board": "diamonds"}, "board", None),
    ({"widgets": "leaderboard", "rows": "11"}, "rows", "rows must be a whole number from 1 to 10, not '11'."),
    ({"widgets": "counter", "counter": "two words"}, "counter",
     "counter must be a counter's name: 1 to 40 letters, digits, - or _, not 'two words'."),
    ({"widgets": "alerts", "alertOn": "gift,confetti"}, "alertOn", None),
    ({"widgets": "alerts", "alertOn": ""}, "alertOn", None),
    ({"widgets": "alerts", "alertOn": "likes"}, "alertOn", None),
    ({"widgets": "alerts", "alertOn": "follow:3"}, "alertOn", None),
    ({"widgets": "alerts", "alertOn": "follow,follow"}, "alertOn", "alertOn names follow twice."),
    ({"widgets": "alerts", "alertOn": "likes:0"}, "alertOn",
     "The likes of alertOn must be a whole number from 1 to 1,000,000,000, not '0'."),
    ({"widgets": "alerts", "tts": "chat,chat"}, "tts", None),
    ({"widgets": "alerts", "tts": "1,chat"}, "tts", None),
    ({"widgets": "chat", "ttsRate": "7"}, "ttsRate", "ttsRate must be one of 3, 6, 10, 20, not '7'."),
    ({"widgets": "counter"}, None, "The counter widget needs counter=<name>: one of the creator's counters "
                                   "(for example counter=deaths)."),
])
def test_bad_styling_and_widget_options_are_refused_by_name(params, option, message):
    with pytest.raises(OverlayError) as refused:
        parse_overlay("someone", params)
    assert refused.value.option == option
    if message:
        assert str(refused.value) == message
    text = str(refused.value)
    assert text.endswith(".") and "\n" not in text


# URLs signed by the code before the second round, under SECRET: (username, query with its sig). Their signatures
# must still hold: streamers have pasted them into OBS.
SIGNED_BEFORE = [
    ("maya.sunny", "widgets=chat&sig=Ie3FziLN94XljbagoFLpPDqxFcI4EuarrkOQx0loB50"),
    ("maya.sunny", "widgets=chat,alerts,goal&goal=likes:300&max=12&sound=0&tts=1&fontScale=1.5"
                   "&sig=z3C-ROyBG9nYAaUy420BcbwoKZ7MhepATZoID5k0PwI"),
    ("maya.sunny", "widgets=alerts&minDiamonds=100&sig=f1MXsak-0OBXFCZn4z0YK208aajJR-5B5esc6H-_JI8"),
]
SECRET = "overlay-test-secret-0123456789abcdef"


def _signing_app():
    app = Flask(__name__)
    app.config.update(ACCESS_PASSWORD="pw", SECRET_KEY=SECRET)
    return app


@pytest.mark.parametrize(("username", "query"), SIGNED_BEFORE)
def test_urls_signed_before_the_second_round_still_verify(username, query):
    from urllib.parse import parse_qsl
    with _signing_app().app_context():
        params = MultiDict(parse_qsl(query))
        overlay = checked_overlay(username, params)  # raises SignatureError when it no longer holds
        assert signed_query(overlay) == query, "the same URL made again"
        assert socket_overlay({"kind": "overlay", "overlay": {"username": username, "query": "?" + query}}) == username


def test_a_new_option_is_covered_by_the_signature_and_cannot_be_taken_off():
    with _signing_app().app_context():
        styled = parse_overlay("maya", {"widgets": "chat", "textColor": "#ffcc00", "tts": "chat"})
        sig = signature(styled)
        assert checked_overlay("maya", MultiDict({"widgets": "chat", "textColor": "ffcc00", "tts": "chat",
                                                  "sig": sig})) == styled
        for changed in ({"widgets": "chat", "tts": "chat"}, {"widgets": "chat", "textColor": "#ffcc00"},
                        {"widgets": "chat", "textColor": "#ffcc01", "tts": "chat"},
                        {"widgets": "chat", "textColor": "#ffcc00", "tts": "alerts,chat"}):
            with pytest.raises(SignatureError) as wrong:
                checked_overlay("maya", MultiDict({**changed, "sig": sig}))
            assert wrong.value.status == 403, changed
        plain = parse_overlay("maya", {"widgets": "chat"})
        assert signature(parse_overlay("maya", {"widgets": "chat", "font": "system", "rows": "5"})) == signature(plain)
        assert "\ntextColor=" not in plain.canonical() and "\nfont=" not in plain.canonical()


def test_the_page_answers_bad_colours_and_fonts_with_400_and_one_line(tmp_path):
    """Through the page (Flask's test client): nothing the URL says reaches the CSS or the HTML as given."""
    import re

    from support.inprocess import running_app

    bad = {"textColor=red": "textColor must be a colour", "textColor=%23ff000": "textColor must be a colour",
           "accentColor=%23fff%22%3E%3Cscript%3E": "accentColor must be a colour",
           "textColor=%23fff;background:url(//x)": "textColor must be a colour",
           "font=Comic%20Sans": "font must be one of system, sans, serif, mono, rounded, condensed",
           "font=serif%22%20onload=%22x": "font must be one of", "align=middle": "align must be one of",
           "background=2": "background must be a number from 0 to 1", "direction=left": "direction must be one of"}
    with running_app(tmp_path, RECORD_STREAMS=False) as app:
        client = app.test_client()
        for query, said in bad.items():
            answer = client.get(f"/overlay/maya?widgets=chat&{query}")
            assert answer.status_code == 400, query
            lines = re.findall(r'<p id="overlay-problem"[^>]*>([^<]*)</p>', answer.text)
            assert len(lines) == 1 and said in lines[0], (query, lines)
            assert "<script" not in answer.text.split("</head>")[1], "the value is said as text"
        good = client.get("/overlay/maya?widgets=chat,counter&counter=deaths&textColor=%23FC0&font=serif&align=right"
                          "&direction=top")
        assert good.status_code == 200
        assert 'data-font="serif" data-align="right" data-direction="top"' in good.text
        options = re.search(r'<script id="overlay-options" type="application/json">(.*?)</script>', good.text, re.S)
        assert '"textColor": "#ffcc00"' in options.group(1) and '"counterValue": 0' in options.group(1), \
            "the colour written again; records off: the counter shows 0"
