"""/wall in Chromium (docs/wall.md): the roster's tiles with live numbers from the simulator, a battle's score, a
queued-free wall of live and offline creators, sorting, a click to the creator's dashboard, the roster editor,
and tiles that stack at 390 wide. Screenshots of both; UPDATE_SCREENSHOTS=1 copies them to docs/."""

import math
import os
import shutil
import time
from datetime import UTC, datetime

import requests
from playwright.sync_api import expect
from support.browserpage import DESKTOP, PHONE, REPO, WAIT_MS, needs_chromium
from support.dashboardclient import wait_until
from support.recordrows import add_live, sqlite_url
from support.simclient import unique_name

pytest_plugins = ["support.browserfixtures"]
pytestmark = needs_chromium

RIVAL = {"userId": "9002", "uniqueId": "rival.host", "nickname": "Rival <b>Host</b>"}
CREATORS = [  # display name, simulated viewers, targets
    ("Maya Sunny", 18_400, {"hours": 60, "validDays": 20, "diamonds": 150_000}),
    ("Leo <script>", 2_350, {"hours": 40, "validDays": 15, "diamonds": 20_000}),
    ("Ana Beats", 940, {"hours": 40, "validDays": 15, "diamonds": 10_000}),
    ("Kenji Plays", 0, {"hours": 30, "validDays": 12, "diamonds": 5_000}),
    ("Zoe Art", 5_120, None),
]


def _battle(phase, teams, **fields):
    return {"type": "battle", "battleId": "7302000000000000077", "phase": phase, "teams": teams, **fields}


def _open(browser, server, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and "WebSocket" not in message.text
            and errors.append(message.text))
    page.goto(server.url + "/wall")
    return page, errors


def _tile(page, name):
    return page.locator(f".wall-tile[data-username='{name}']")


def _seed_history(database, name, room_id, viewers, index):
    """This month's earlier lives of a creator (a valid day each, three hours), and the live now on since 50
    minutes, with a point a minute up to this one: the record a runner continues, so the tile has a month and a
    sparkline. This minute's point too: the runner's first events may fall in the next minute, and the 30 minutes a
    sparkline shows would then miss one."""
    now = time.time()
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(1, today.day):
        if (day + index) % 3:  # not every day
            started = today.replace(day=day, hour=12 + index).timestamp()
            add_live(database, name, str(7_300_000_000_000 + day * 10 + index), started_at=started,
                     minutes=150 + 15 * index, metrics={"totalDiamonds": viewers // 3, "totalFollows": 40})
    minute_now = int(now // 60) * 60_000
    points = [{"t": minute_now - m * 60_000, "viewers": int(viewers * (0.75 + 0.25 * math.sin(m / 5 + index))),
               "likes": 200, "diamonds": 30} for m in range(49, -1, -1)]
    counts = [{"seq": seq, "ts": point["t"] + 1000, "type": "viewers", "viewerCount": point["viewers"]}
              for seq, point in enumerate(points, start=1)]  # a record with events: the runner goes on from it
    add_live(database, name, room_id, counts, started_at=now - 50 * 60, status="live", points=points,
             metrics={"currentViewerCount": viewers, "peakViewerCount": viewers, "totalDiamonds": viewers // 4,
                      "totalLikes": viewers * 3, "totalFollows": 25 + index})


def test_the_wall_shows_live_numbers_and_stacks_on_a_phone(browser, server_factory, simulator, tmp_path):
    database = tmp_path / "records.sqlite3"
    server = server_factory(DATABASE_URL=sqlite_url(database))
    names = []
    for index, (display, viewers, targets) in enumerate(CREATORS):
        name = unique_name("tile")
        names.append(name)
        simulator.configure(name, live=viewers > 0, rate=6, viewers=max(viewers, 1))
        if viewers:
            _seed_history(database, name, str(simulator.stream(name)["roomId"]), viewers, index)
        entry = {"username": name, "displayName": display, **({"targets": targets} if targets else {})}
        assert requests.post(server.url + "/api/roster", json=entry, timeout=10).status_code == 201

    desktop, desktop_errors = _open(browser, server, DESKTOP)
    grid = desktop.locator("#wall-grid .wall-tile")
    expect(grid).to_have_count(len(CREATORS), timeout=WAIT_MS)
    for name, (_, viewers, _) in zip(names, CREATORS, strict=True):
        expect(_tile(desktop, name)).to_have_attribute("data-status", "connected" if viewers else "offline",
                                                        timeout=30_000)
    live = names[0]
    expect(_tile(desktop, live).locator(".tile-viewers")).not_to_have_attribute("data-value", "0", timeout=WAIT_MS)
    simulator.inject(live, [_battle("started", [{}, {"host": RIVAL}], endsAt=int((time.time() + 240) * 1000)),
                            _battle("scores", [{"score": 1500}, {"host": RIVAL, "score": 900}])])
    battle = _tile(desktop, live).locator(".tile-battle")
    expect(battle).to_have_text("PK 1,500 – 900 vs Rival <b>Host</b>", timeout=WAIT_MS)  # text, never markup
    expect(battle).to_have_attribute("data-lead", "ahead")
    expect(_tile(desktop, names[1]).locator(".tile-name")).to_have_text("Leo <script>")
    expect(desktop.locator("#wall-counts")).to_have_attribute("data-live", "4", timeout=WAIT_MS)
    desktop.wait_for_function("() => [...document.querySelectorAll('.wall-tile[data-status=connected] svg.spark')]"
                              ".every((s) => Number(s.dataset.points) >= 30)", timeout=30_000)

    # The month's pace, against the roster's targets, from the records: the lives before today, and today's.
    hours = _tile(desktop, live).locator(".pace-hours")
    expect(hours).to_have_attribute("data-target", "60", timeout=WAIT_MS)
    month = requests.get(f"{server.url}/api/creators/{live}/month", timeout=10).json()
    assert month["hours"] > 0.8 and month["validDays"] >= (1 if datetime.now(UTC).hour >= 1 else 0), month
    # A live still running adds to the hours as time goes: the page's figure and the API's, read moments apart,
    # may differ by a hundredth of an hour.
    wait_until(lambda: abs(float(hours.get_attribute("data-value") or "nan") - month["hours"]) <= 0.02,
               timeout=WAIT_MS / 1000, message="the month's hours on the tile")
    expect(_tile(desktop, names[4]).locator(".pace-note")).to_have_text("No targets set")

    # Sorting: live first puts the offline creator last; the roster's order puts it back in fourth place.
    order = lambda: desktop.eval_on_selector_all(".wall-tile", "(tiles) => tiles.map((t) => t.dataset.username)")  # noqa: E731
    expect(desktop.locator(".wall-tile").last).to_have_attribute("data-username", names[3], timeout=WAIT_MS)
    desktop.select_option("#wall-sort", "roster")
    assert order() == names

    phone, phone_errors = _open(browser, server, PHONE)
    expect(phone.locator(".wall-tile")).to_have_count(len(CREATORS), timeout=WAIT_MS)
    expect(_tile(phone, live)).to_have_attribute("data-status", "connected", timeout=WAIT_MS)
    boxes = [tile.bounding_box() for tile in phone.locator(".wall-tile").all()]
    assert len({round(box["x"]) for box in boxes}) == 1, "one column"
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in boxes), boxes
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scroll"

    # Hold still for the pictures.
    for name in names:
        simulator.configure(name, rate=0)
    desktop.wait_for_timeout(1500)
    shots = {"wall.png": (desktop, False), "wall-mobile.png": (phone, True)}
    for filename, (page, full) in shots.items():
        page.screenshot(path=tmp_path / filename, full_page=full, animations="disabled")
        assert (tmp_path / filename).stat().st_size > 20_000
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        for filename in shots:
            shutil.copyfile(tmp_path / filename, REPO / "docs" / filename)
    print(f"screenshots in {tmp_path}")

    # A click opens the creator's dashboard.
    _tile(desktop, live).click()  # anywhere on the tile: its link covers it
    desktop.wait_for_url(f"**/@{live}", timeout=WAIT_MS)
    assert not desktop_errors and not phone_errors, desktop_errors + phone_errors


def test_the_roster_editor_adds_and_removes_a_creator(browser, server_factory, simulator):
    server = server_factory()
    page, errors = _open(browser, server, DESKTOP)
    expect(page.locator("#wall-empty")).to_be_visible(timeout=WAIT_MS)
    name = unique_name("added")
    simulator.configure(name, live=True, rate=2, viewers=300)

    page.locator(".roster-summary").click()
    page.fill("#roster-form [name=username]", "vm.tiktok.com/ZMabc")
    page.click(".roster-save")
    expect(page.locator("#roster-message")).to_have_attribute("data-kind", "error")
    page.fill("#roster-form [name=username]", f"https://www.tiktok.com/@{name}/live")
    page.fill("#roster-form [name=displayName]", "New Face")
    page.fill("#roster-form [name=hours]", "25")
    page.click(".roster-save")
    tile = _tile(page, name)
    expect(tile).to_have_attribute("data-status", "connected", timeout=30_000)
    expect(tile.locator(".pace-hours")).to_have_attribute("data-target", "25", timeout=WAIT_MS)
    expect(page.locator("#wall-empty")).to_be_hidden()
    assert [entry["username"] for entry in requests.get(server.url + "/api/roster", timeout=10).json()["roster"]] == [
        name]

    tile.hover()
    tile.locator(".tile-remove").click()
    expect(page.locator(".wall-tile")).to_have_count(0, timeout=WAIT_MS)
    expect(page.locator("#wall-empty")).to_be_visible()
    assert requests.get(server.url + "/api/roster", timeout=10).json()["roster"] == []
    assert not errors, errors


def test_a_roster_longer_than_a_wall_shows_the_rest_without_live_numbers(browser, server_factory, simulator):
    server = server_factory(WALL_MAX_CREATORS=2)
    names = [unique_name("over") for _ in range(3)]
    for name in names:
        simulator.configure(name, live=True, rate=1, viewers=10)
        assert requests.post(server.url + "/api/roster", json={"username": name}, timeout=10).status_code == 201
    page, errors = _open(browser, server, DESKTOP)
    for name in names[:2]:
        expect(_tile(page, name)).to_have_attribute("data-status", "connected", timeout=30_000)
    expect(_tile(page, names[2])).to_have_attribute("data-status", "idle")
    expect(_tile(page, names[2]).locator(".tile-message")).to_contain_text("A wall follows 2 creators live")
    assert not simulator.connections().get(names[2]), "no upstream for a creator past the wall"
    assert not errors, errors
