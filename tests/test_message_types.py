"""TikTok as it really is: every message type TikTokLive knows (its EVENT_MAPPINGS, 62 in TikTokLive 7.0.1) reaches
the real server from the simulator; the types the app does not show pass harmlessly and are counted, and the decode
check holds the fast decode to TikTokLive's own on all of them."""

from support.dashboardclient import wait_until
from support.simclient import chat
from TikTokLive.events import EVENT_MAPPINGS

from assistant.tiktok.decode import RELAYED

# What the simulator makes of each raw message with no fields: the shown types among them are relayed as events
# (a chat with no viewer and no text, a viewer count of 0...), none of them an end (a control action of 0).
EVERY_TYPE = [{"type": "raw", "method": method, "message": {}} for method in EVENT_MAPPINGS]
SHOWN = [
    chat("typed chat"),
    {"type": "gift", "giftId": 5655, "repeatCount": 2, "repeatEnd": False},
    {"type": "gift", "giftId": 5655, "repeatCount": 4, "repeatEnd": True},
    {"type": "gift", "giftId": 6369, "giftName": "Lion", "diamondCount": 29999, "giftType": 2},
    {"type": "like", "count": 5},
    {"type": "follow"},
    {"type": "share"},
    {"type": "join"},
    {"type": "viewers", "viewerCount": 321},
]


def stream_of(server, name):
    return next(s for s in server.debug()["streams"] if s["username"] == name)


def test_every_message_type_passes_and_the_unshown_are_counted(server, open_tab, simulator, quiet_creator):
    assert len(EVENT_MAPPINGS) == 62 and RELAYED < set(EVENT_MAPPINGS)
    name = quiet_creator()
    client = open_tab(server.url)
    client.watch_until_connected(name)
    assert simulator.inject(name, EVERY_TYPE) == {"sent": 62, "sockets": 1}
    simulator.inject(name, [chat("after every type")])
    client.wait_for_event(lambda e: e.get("comment") == "after every type")
    assert client.session["status"] == "connected"
    stream = stream_of(server, name)
    assert (stream["status"], stream["garbled"]) == ("connected", 0)
    assert stream["skipped"] == {method: 1 for method in EVENT_MAPPINGS if method not in RELAYED}
    assert not [e for e in client.seen_events() if e["type"] == "end"]


def test_the_decode_check_finds_no_difference_over_every_type(server_factory, open_tab, simulator, quiet_creator):
    server = server_factory(DECODE_CHECK_RATE=1)
    name = quiet_creator()
    client = open_tab(server.url)
    client.watch_until_connected(name)
    frames = [EVERY_TYPE, SHOWN, [{"type": "raw", "method": "WebcastSocialMessage",
                                   "message": {"common": {"display_text": {"key": "pm_mt_guidance_share"}}}}]]
    for events in frames:  # one frame each
        simulator.inject(name, events)
    simulator.end(name)  # and the end's control message, a frame of its own
    client.wait_for_status("ended")
    wait_until(lambda: stream_of(server, name)["decodeCheck"]["checked"] >= len(frames) + 1, timeout=120,
               message="every frame checked")
    check = stream_of(server, name)["decodeCheck"]
    assert check == {"checked": 4, "differed": 0, "referenceFailed": 0, "dropped": 0, "last": None}
    assert "Decode check" not in server.log_text()
