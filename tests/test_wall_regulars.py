"""Viewers across lives (docs/wall.md): on the real server with the simulator, a viewer's card carries their
history over two lives of the creator (this one included), the team's note (set, shown on the card, deleted), and
the boards summed over the last 30 days."""

import requests
from support.dashboardclient import wait_until
from support.simclient import chat

ROSE = {"type": "gift", "giftId": 5655, "giftName": "Rose", "diamondCount": 1, "giftType": 1,
        "user": {"userId": "77", "uniqueId": "gifter", "nickname": "Gifter"}}
REGULAR = "5"


def _card(client, user_id):
    answer = client.call("viewer", {"userId": user_id})
    return answer["viewer"] if answer["ok"] else None


def _recorded(url, username, count):
    lives = requests.get(f"{url}/api/streams", params={"username": username}, timeout=10).json()["streams"]
    return lives if len(lives) == count else None


def test_a_regular_across_two_lives_with_a_note(server_factory, open_tab, simulator, quiet_creator, tmp_path):
    server = server_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'records.db'}")
    name = quiet_creator("regular")
    client = open_tab(server.url)
    client.watch_until_connected(name)

    simulator.inject(name, [chat("first live", user_id=REGULAR), chat("still me", user_id=REGULAR),
                            {**ROSE, "repeatCount": 3, "repeatEnd": True}])
    wait_until(lambda: client.latest_metrics()["totalComments"] == 2 and client.latest_metrics()["totalGifts"] == 3,
               message="the first live counted")
    first = wait_until(lambda: _card(client, REGULAR), message="the stored card")  # stored on its own rhythm
    assert first["history"] == {"lives": 1, "firstSeen": first["firstSeen"],
                                "totals": {"comments": 2, "gifts": 0, "diamonds": 0, "likes": 0}}
    assert first["note"] is None

    def first_live_recorded():  # the cards are written on their own rhythm
        boards = requests.get(f"{server.url}/api/creators/{name}/leaderboards?days=30", timeout=10).json()
        return boards["chatters"] and boards["chatters"][0]["comments"] == 2 and boards["gifters"]

    wait_until(first_live_recorded, timeout=15, message="the first live's viewers recorded")

    simulator.configure(name, newLive=True)  # the creator starts another live: a new room
    client.wait_for_event(lambda e: e["type"] == "end", message="the first live's end")
    client.watch(name)
    client.wait_for_status("connected")
    wait_until(lambda: _recorded(server.url, name, 2), message="a second live recorded")
    wait_until(lambda: client.latest_metrics()["totalComments"] == 0, message="the second live counts from zero")
    simulator.inject(name, [chat("second live", user_id=REGULAR), {**ROSE, "repeatCount": 2, "repeatEnd": True}])
    wait_until(lambda: client.latest_metrics()["totalComments"] == 1 and client.latest_metrics()["totalGifts"] == 2,
               message="the second live counted")

    card = wait_until(lambda: (_card(client, REGULAR) or {}).get("totals", {}).get("comments") == 1 and
                      _card(client, REGULAR), message="this live's card")
    assert card["history"] == {"lives": 2, "firstSeen": first["firstSeen"],
                               "totals": {"comments": 3, "gifts": 0, "diamonds": 0, "likes": 0}}
    gifter = _card(client, "77")["history"]
    assert gifter["lives"] == 2 and gifter["totals"]["gifts"] == 5 and gifter["totals"]["diamonds"] == 5

    note_url = f"{server.url}/api/creators/{name}/viewers/{REGULAR}/note"
    text = "Regular since spring <b>not markup</b> =1+1"
    saved = requests.put(note_url, json={"note": text}, timeout=10)
    assert saved.status_code == 200 and saved.json()["note"] == text and saved.json()["updatedAt"].endswith("Z")
    assert _card(client, REGULAR)["note"] == text
    assert requests.get(note_url, timeout=10).json()["note"] == text
    assert _card(client, "77")["note"] is None, "a note is on one viewer"
    too_long = requests.put(note_url, json={"note": "x" * 1001}, timeout=10)
    assert too_long.status_code == 400 and "at most 1000" in too_long.json()["message"]
    assert requests.put(note_url, json={"note": ""}, timeout=10).json() == {"note": None, "updatedAt": None}
    assert _card(client, REGULAR)["note"] is None

    def both_lives_in_the_boards():
        boards = requests.get(f"{server.url}/api/creators/{name}/leaderboards", timeout=10).json()
        gifters = [(g["user"]["userId"], g["diamonds"], g["gifts"]) for g in boards["gifters"]]
        return boards if gifters == [("77", 5, 5)] and boards["chatters"][0]["comments"] == 3 else None

    boards = wait_until(both_lives_in_the_boards, timeout=15, message="30 days' boards over both lives")
    assert boards["days"] == 30 and boards["username"] == name
    assert [(c["user"]["userId"], c["user"]["uniqueId"], c["comments"]) for c in boards["chatters"]] == \
        [(REGULAR, f"u{REGULAR}", 3)]
    assert boards["likers"] == []
