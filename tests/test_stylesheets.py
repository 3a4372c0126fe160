"""The pages' stylesheets (static/css/), in process: each page loads the files it needs and no other, in
their order (a later file's rules win over an earlier one's), all from this server as its
Content-Security-Policy wants (style-src 'self', no inline styles); and the colours are defined once, in
theme.css, which the pages built on templates/base.html and the OBS overlay both load.

How the pages look before and after a change of these files is compared in Chromium by screenshots (the
browser test modules take them); this module holds what can be checked without a browser."""

import re
from pathlib import Path

import pytest
from support.inprocess import running_app
from support.recordrows import add_live

REPO = Path(__file__).resolve().parent.parent
CSS = REPO / "static" / "css"
PASSWORD = "team password"

BASE = ["theme", "base"]
PAGES = {
    "dashboard": ("/", [*BASE, "totals", "feeds", "dashboard", "live-now", "chat-tools", "vendor/uPlot.min",
                        "insights", "overlay-builder"]),
    "creator's dashboard": ("/@maya", [*BASE, "totals", "feeds", "dashboard", "live-now", "chat-tools",
                                       "vendor/uPlot.min", "insights", "overlay-builder"]),
    "recorded lives": ("/streams", [*BASE, "records"]),
    "actions": ("/actions", [*BASE, "actions"]),
    "wall": ("/wall", [*BASE, "wall"]),
    "a live's report": ("/streams/{live_id}", [*BASE, "totals", "feeds", "chat-tools", "vendor/uPlot.min",
                                               "insights", "records"]),
    "no such live": ("/streams/123456", BASE),
    "no such page": ("/no/such/page", BASE),
    "overlay": ("/overlay/maya?widgets=chat,alerts,goal&goal=diamonds:5000", ["theme", "overlay"]),
    "refused overlay": ("/overlay/maya?widgets=nothing", ["theme", "overlay"]),
}

LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')
CUSTOM_PROPERTY = re.compile(r"(?<![\w-])(--[\w-]+)\s*:\s*([^;}]+)")
COLOUR = re.compile(r"^(#[0-9a-f]{3,8}|(rgb|rgba|hsl|hsla|color-mix)\(.*\))$", re.I)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("stylesheets")


@pytest.fixture(scope="module")
def site(folder):
    """A test client of the app and the id of the one live its records hold."""
    with running_app(folder) as app:
        yield app.test_client(), add_live(folder / "records.sqlite3", "maya", "7300")


def _stylesheets(html):
    return [re.fullmatch(r"/static/css/(.+)\.css", href).group(1) for href in LINK.findall(html)]


def _style_sources(html):
    return [part.split()[1:] for part in CSP.search(html).group(1).split(";") if part.split()[:1] == ["style-src"]]


@pytest.mark.parametrize("page", PAGES, ids=list(PAGES))
def test_each_page_loads_its_stylesheets_in_order_from_this_server(page, site):
    client, live_id = site
    path, expected = PAGES[page]
    response = client.get(path.format(live_id=live_id))
    assert response.status_code in (200, 400, 404), response.status_code
    html = response.text
    assert _stylesheets(html) == expected
    for name in expected:
        assert (CSS / f"{name}.css").is_file(), name
        assert client.get(f"/static/css/{name}.css").status_code == 200, name
    assert _style_sources(html) == [["'self'"]], "styles from this server only, none inline"
    assert "<style" not in html and " style=" not in html  # what style-src 'self' would refuse


def test_the_login_page_loads_the_base_styles_without_a_login(tmp_path):
    with running_app(tmp_path, ACCESS_PASSWORD=PASSWORD, SECRET_KEY="k" * 40) as app:
        client = app.test_client()
        html = client.get("/login").text
        for name in BASE:
            assert client.get(f"/static/css/{name}.css").status_code == 200, name
    assert _stylesheets(html) == BASE
    assert _style_sources(html) == [["'self'"]]


def _definitions():
    """{custom property: [(file, value), ...]} over every stylesheet of the project (not the vendored ones)."""
    found = {}
    for path in sorted(CSS.glob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        for name, value in CUSTOM_PROPERTY.findall(text):
            found.setdefault(name, []).append((path.name, value.strip()))
    return found


def test_colours_are_defined_once_in_theme_css():
    definitions = _definitions()
    colours = {name: places for name, places in definitions.items()
               if any(COLOUR.match(value) for _, value in places)}
    assert "--accent" in colours and "--ink" in colours  # the dashboard's and the overlay's
    for name, places in colours.items():
        assert places == [("theme.css", places[0][1])], f"{name} is defined {places}: only once, in theme.css"
    theme = {name for name, places in definitions.items() if any(file == "theme.css" for file, _ in places)}
    assert theme == set(colours), "theme.css holds the colours, nothing else"
