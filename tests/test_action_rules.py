"""The actions' rules, templates and evaluator, in the test's process (fast tier): what fires, how often, and what
a rule may not say. The server-side paths (the API, the runner, webhooks, the overlay) are in
test_actions_server.py, test_webhooks.py and test_actions_ui.py."""

import pytest

from assistant.actions.evaluator import CreatorRules, sample_event
from assistant.actions.rules import RuleError, parse_rule
from assistant.actions.templates import Template, TemplateError, event_values
from assistant.events import BY_NAME


def _parse(body):
    def check_url(url):
        if "10.0.0.1" in url:
            raise ValueError("10.0.0.1 is a private address")
        return url

    return parse_rule(body, check_url, lambda name, kind: name == f"known.{'png' if kind == 'image' else 'mp3'}")


def _rule(trigger, rule_id="r1", user_seconds=0, global_seconds=0, actions=None):
    return {"id": rule_id, "username": "maya", "name": rule_id, "enabled": True, "trigger": trigger,
            "cooldown": {"userSeconds": user_seconds, "globalSeconds": global_seconds},
            "actions": actions or [{"type": "tts", "text": "{user}"}]}


def _event(kind, user="7", **fields):
    event = BY_NAME[kind].sample()
    if "user" in event:
        event["user"] = {"userId": user, "uniqueId": f"viewer{user}", "nickname": f"Viewer {user}"}
    event.update(fields)
    return event


def _fired(rules, events, now=100.0):
    return [firing.rule.id for firing in rules.evaluate(events, now=now)]


# -- templates -----------------------------------------------------------------------------------------------

def test_a_template_renders_values_counters_and_braces():
    template = Template("{{{user}}} sent {count} x {gift} ({diamonds}); deaths: {counter:deaths}")
    values = event_values(_event("gift", repeatCount=3, diamondCount=5, giftName="Rose"))
    assert template.render(values, {"deaths": 4}) == "{viewer7} sent 3 x Rose (15); deaths: 4"


def test_markup_in_a_template_or_a_comment_stays_text():
    values = event_values(_event("chat", comment="<img src=x onerror=alert(1)>"))
    text = Template("<b>{nickname}</b> said {comment}").render(values, {})
    assert text == "<b>Viewer 7</b> said <img src=x onerror=alert(1)>"  # text: the overlay sets textContent


@pytest.mark.parametrize("text", ["{usr}", "{counter:}", "{counter:a b}", "a { b", "}", "{gift:x}"])
def test_a_template_with_an_unknown_placeholder_is_refused(text):
    with pytest.raises(TemplateError):
        Template(text)


def test_a_long_comment_is_cut():
    text = Template("{comment}").render({"comment": "x" * 5000}, {})
    assert len(text) == 500 and text.endswith("…")


# -- rules -------------------------------------------------------------------------------------------------

def test_a_rule_is_kept_normalised():
    rule = _parse({"username": "@Maya", "name": " Dance ", "trigger": {"type": "command", "command": "!DANCE"},
                   "actions": [{"type": "overlay", "text": "{user} wants a dance", "image": "known.png"}]})
    assert rule == {"username": "maya", "name": "Dance", "enabled": True,
                    "trigger": {"type": "command", "command": "!dance"},
                    "cooldown": {"userSeconds": 0, "globalSeconds": 0},
                    "actions": [{"type": "overlay", "text": "{user} wants a dance", "seconds": 5,
                                 "image": "known.png"}]}


@pytest.mark.parametrize("change, words", [
    ({"username": "no such name!"}, "username"),
    ({"name": ""}, "name"),
    ({"trigger": {"type": "gift"}}, "giftName"),
    ({"trigger": {"type": "gift", "giftName": "Rose", "minDiamonds": 5}}, "one of the two"),
    ({"trigger": {"type": "likes", "every": 0}}, "every"),
    ({"trigger": {"type": "battle", "phase": "scores"}}, "phase"),
    ({"trigger": {"type": "command", "command": "dance now"}}, "command"),
    ({"trigger": {"type": "rain"}}, "type"),
    ({"trigger": {"type": "follow", "extra": 1}}, "extra"),
    ({"cooldown": {"userSeconds": -1}}, "userSeconds"),
    ({"cooldown": {"userSeconds": True}}, "userSeconds"),
    ({"actions": []}, "actions"),
    ({"actions": [{"type": "webhook", "url": "http://10.0.0.1/x"}]}, "private"),
    ({"actions": [{"type": "overlay", "text": "hi", "image": "../../etc/passwd"}]}, "uploaded image"),
    ({"actions": [{"type": "overlay", "text": "hi", "sound": "known.png"}]}, "uploaded sound"),
    ({"actions": [{"type": "overlay", "text": ""}]}, "shows nothing"),
    ({"actions": [{"type": "overlay", "text": "hi", "seconds": 600}]}, "seconds"),
    ({"actions": [{"type": "tts", "text": "{oops}"}]}, "oops"),
    ({"actions": [{"type": "counter", "name": "deaths", "add": 0}]}, "add"),
    ({"actions": [{"type": "counter", "name": "<b>"}]}, "name"),
    ({"secret": "short"}, "secret"),
    ({"owner": "x"}, "owner"),
])
def test_bad_rules_are_refused_with_a_sentence(change, words):
    body = {"username": "maya", "name": "r", "trigger": {"type": "follow"},
            "actions": [{"type": "tts", "text": "thanks {nickname}"}], **change}
    with pytest.raises(RuleError, match=words):
        _parse(body)


# -- the evaluator -------------------------------------------------------------------------------------------

def test_a_streak_fires_once_at_its_end():
    rules = CreatorRules([_rule({"type": "gift", "giftName": "rose"})])
    steps = [_event("gift", giftName="Rose", repeatCount=n, streaking=True) for n in (1, 2, 3)]
    assert _fired(rules, steps) == []
    end = _event("gift", giftName="Rose", repeatCount=3, streaking=False)
    firings = rules.evaluate([end], now=1.0)
    assert [f.rule.id for f in firings] == ["r1"] and firings[0].values["count"] == "3"


def test_min_diamonds_compares_the_whole_value():
    rules = CreatorRules([_rule({"type": "gift", "minDiamonds": 100})])
    assert _fired(rules, [_event("gift", diamondCount=20, repeatCount=4, streaking=False)]) == []
    assert _fired(rules, [_event("gift", diamondCount=20, repeatCount=5, streaking=False)]) == ["r1"]


def test_a_command_fires_per_viewer_under_its_cooldown():
    rules = CreatorRules([_rule({"type": "command", "command": "!dance"}, user_seconds=30)])
    assert _fired(rules, [_event("chat", "1", comment="!dance"), _event("chat", "1", comment="!DANCE please"),
                          _event("chat", "2", comment="  !dance"), _event("chat", "3", comment="!dancer"),
                          _event("chat", "3", comment="let's !dance")], now=0) == ["r1", "r1"]
    assert _fired(rules, [_event("chat", "1", comment="!dance")], now=29) == []
    assert _fired(rules, [_event("chat", "1", comment="!dance")], now=31) == ["r1"]


def test_a_global_cooldown_holds_for_everyone():
    rules = CreatorRules([_rule({"type": "follow"}, global_seconds=10)])
    assert _fired(rules, [_event("follow", "1"), _event("follow", "2")], now=0) == ["r1"]
    assert _fired(rules, [_event("follow", "3")], now=10) == ["r1"]


def test_keyword_first_chat_and_replayed_chat():
    rules = CreatorRules([_rule({"type": "keyword", "keyword": "Hello"}, "kw"), _rule({"type": "firstChat"}, "first")],
                         chatters=["9"])
    events = [_event("chat", "1", comment="oh HELLO there"), _event("chat", "1", comment="hello again"),
              _event("chat", "1", comment="othello"),
              _event("chat", "9", comment="I spoke before"), _event("chat", "5", comment="hello", history=True)]
    assert _fired(rules, events) == ["kw", "first", "kw"]


def test_like_milestones_fire_once_per_multiple_passed_from_where_they_were_loaded():
    rules = CreatorRules([_rule({"type": "likes", "every": 100})], likes=250)
    assert rules.likes_passed(299, now=0) == []
    assert [f.values["count"] for f in rules.likes_passed(520, now=0)] == ["300", "400", "500"]
    assert rules.likes_passed(520, now=0) == []
    assert len(rules.likes_passed(10_000, now=0)) == 10  # a jump fires MAX_MILESTONES at most
    rules.rebase(0)  # a new live
    assert [f.values["count"] for f in rules.likes_passed(100, now=0)] == ["100"]


def test_a_keyword_is_a_word_or_phrase_of_its_own():
    rules = CreatorRules([_rule({"type": "keyword", "keyword": "hi"}, "hi"),
                          _rule({"type": "keyword", "keyword": "🔥"}, "fire"),
                          _rule({"type": "keyword", "keyword": "good night"}, "night")])
    lines = ["this", "hi!", "Oh, HI", "🔥🔥", "so good night all", "good nights"]
    assert [_fired(rules, [_event("chat", str(n), comment=line)]) for n, line in enumerate(lines)] == \
        [[], ["hi"], ["hi"], ["fire"], ["night"], []]


def test_battle_and_goal_phases():
    rules = CreatorRules([_rule({"type": "battle", "phase": "ended"}, "b"), _rule({"type": "goal"}, "g")])
    assert _fired(rules, [_event("battle", phase="started"), _event("battle", phase="ended"),
                          _event("goal", phase="progress"), _event("goal", phase="reached")]) == ["b", "g"]


def test_reloaded_rules_keep_their_cooldowns():
    first = CreatorRules([_rule({"type": "follow"}, global_seconds=60)])
    assert _fired(first, [_event("follow")], now=0) == ["r1"]
    again = CreatorRules([_rule({"type": "follow"}, global_seconds=60), _rule({"type": "follow"}, "r2")])
    again.carry_over(first)
    assert _fired(again, [_event("follow")], now=1) == ["r2"]


def test_events_no_rule_listens_to_cost_nothing():
    rules = CreatorRules([_rule({"type": "follow"})])
    assert _fired(rules, [_event("join"), _event("like"), _event("chat")]) == []
    assert CreatorRules([]).evaluate([_event("follow")]) == []


@pytest.mark.parametrize("trigger", [
    {"type": "gift", "giftName": "Lion"}, {"type": "gift", "minDiamonds": 500}, {"type": "follow"}, {"type": "share"},
    {"type": "subscribe"}, {"type": "command", "command": "!hi"}, {"type": "keyword", "keyword": "pizza"},
    {"type": "battle", "phase": "started"}, {"type": "goal"}, {"type": "firstChat"},
])
def test_the_test_buttons_sample_fires_its_rule(trigger):
    assert _fired(CreatorRules([_rule(trigger)]), [sample_event(trigger)]) == ["r1"]
