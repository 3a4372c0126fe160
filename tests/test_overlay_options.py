"""The overlay's options (assistant/overlays/options.py) and signature (overlays/signature.py), without a server."""

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from assistant.overlays.options import Overlay, OverlayError, parse_overlay
from assistant.overlays.signature import SignatureError, checked_overlay, signature, signed_query, socket_overlay


def test_every_option_parsed_and_the_query_canonical():
    overlay = parse_overlay("@Some.One", MultiDict([
        ("widgets", "goal, chat,alerts"), ("goal", "follows:250"), ("max", "12"), ("minDiamonds", "99"),
        ("seconds", "7"), ("queue", "3"), ("sound", "0"), ("tts", "1"), ("repeatStreaks", "1"), ("fontScale", "1.50"),
    ]))
    assert overlay == Overlay(username="some.one", widgets=("chat", "alerts", "goal"), goal_metric="follows",
                              goal_target=250, max=12, min_diamonds=99, seconds=7, queue=3, sound=False, tts=True,
                              repeat_streaks=True, font_scale=1.5)
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
    assert message.endswith(".") and "\n" not in message and len(message) < 200


@pytest.mark.parametrize(("params", "option", "message"), [
    ({"widgets": "chat", "max": "0"}, "max", "max must be a whole number from 1 to 50, not '0'."),
    ({"widgets": "chat", "fontScale": "5"}, "fontScale", "fontScale must be a number from 0.5 to 3 (for example 1.5), "
                                                         "not '5'."),
    ({"widgets": "goal", "goal": "likes:"}, "goal", "The goal must be a whole number from 1 to 1,000,000,000, not ''."),
    ({"widgets": "goal", "goal": "coins:5"}, "goal", "goal must be diamonds:N, likes:N or follows:N (for example "
                                                     "diamonds:5000), not 'coins:5'."),
    ({"widgets": "alerts", "tts": "yes"}, "tts", "tts must be 0 or 1, not 'yes'."),
    ({"widgets": " , "}, "widgets",
     "widgets must name one or more of chat, gifts, alerts, goal, battle, poll, actions, featured."),
    ({"widgets": "chat,confetti"}, None, "Unknown widget 'confetti': choose from chat, gifts, alerts, goal, battle, "
                                         "poll, actions, featured."),
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
