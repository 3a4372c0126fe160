"""The source offered to every user (AGPL-3.0 section 13): GET /source and the footer's "Source" link.

- /source from the real server run out of a temporary `git clone` of this repository, to which a `.env` with a
  secret, an `instance/` folder, an untracked file and, committed, symlinks out of the project and to `.env` and a
  capture were added: a valid .tar.gz of exactly the files git tracked before, byte for byte, under a folder named
  by the commit, with nothing secret; the same from a copy without `.git` (the project's own files); open without
  a login when ACCESS_PASSWORD is set.
- The footer on every page with a UI (in process; then in Chromium at 1440 and 390 wide, with screenshots), and
  SOURCE_URL in its place; none on an overlay.
"""

import io
import os
import re
import shutil
import subprocess
import tarfile
import time
import tomllib
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect
from support.appserver import REPO, RunningServer
from support.browserpage import DESKTOP, PHONE, needs_chromium
from support.inprocess import running_app
from support.recordrows import add_live

from assistant import source
from assistant.config import Config, SettingsError

pytest_plugins = ["support.browserfixtures"]

SECRET = f"sekrit-{uuid.uuid4().hex}"
PASSWORD = "team password"
SOURCE_URL = "https://git.example.com/fork/live-assistant"


def _git(folder, *args):
    return subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args],
                          cwd=folder, check=True, capture_output=True).stdout


def _unpacked(data):
    """{member name: bytes} of a .tar.gz, checked whole by gzip and tar."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A git clone of this repository's checked-out commit with secrets around it; `tracked`: what git tracked
    before the test's own commit (what /source must hold)."""
    base = tmp_path_factory.mktemp("source")
    root = base / "clone"
    _git(base, "clone", "--quiet", str(REPO), str(root))
    tracked = sorted(os.fsdecode(name) for name in _git(root, "ls-files", "-z").split(b"\0") if name)
    (base / "outside.txt").write_text(f"outside the project: {SECRET}\n")
    (root / ".env").write_text(f"SECRET_KEY={SECRET}\n")
    (root / "instance").mkdir()
    (root / "instance" / "notes.txt").write_text(SECRET)
    (root / "untracked.txt").write_text(SECRET)
    (root / "static" / ".env.local").write_text(SECRET)
    # tracked on purpose, yet never in the archive: a capture, and symlinks out of the project and to .env
    (root / "docs" / "captures").mkdir()
    (root / "docs" / "captures" / "live.tlcap.jsonl.gz").write_text(SECRET)
    (root / "docs" / "outside-link.txt").symlink_to(base / "outside.txt")
    (root / "docs" / "env-link.txt").symlink_to("../.env")
    _git(root, "add", "docs")
    _git(root, "commit", "--quiet", "-m", "test: secrets beside the source")
    return {"root": root, "tracked": tracked, "commit": _git(root, "rev-parse", "--short=12", "HEAD").decode().strip()}


def _check_archive(response, root, expected, top):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/gzip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{top}.tar.gz"'
    members = _unpacked(response.content)
    assert sorted(members) == [f"{top}/{name}" for name in expected]
    for name in expected:  # LICENSE, wsgi.py, the package...: byte for byte
        assert members[f"{top}/{name}"] == (root / name).read_bytes(), name
    assert not [name for name, data in members.items() if SECRET.encode() in data]
    assert not [name for name in members if "/.env" in name or "/instance/" in name or "/docs/captures/" in name]


@pytest.mark.slow
def test_source_from_a_git_clone_holds_its_tracked_files_and_no_secret(clone):
    root, tracked = clone["root"], clone["tracked"]
    assert {"LICENSE", "wsgi.py", "assistant/source.py", "templates/base.html"} <= set(tracked)
    server = RunningServer({"ACCESS_PASSWORD": PASSWORD, "RECORD_STREAMS": "0"}, root=root)  # SECRET_KEY from .env
    try:
        page = requests.get(server.url + "/", headers={"Accept": "text/html"}, allow_redirects=False, timeout=10)
        assert page.status_code == 302 and "/login" in page.headers["Location"]  # the dashboard needs a login...
        response = requests.get(server.url + "/source", timeout=30)  # ...its source does not
        _check_archive(response, root, tracked, f"live-assistant-{clone['commit']}")
        assert "Transfer-Encoding" in response.headers  # streamed, not built whole first
    finally:
        server.stop()


@pytest.mark.slow
def test_source_without_git_holds_the_projects_own_files(clone, tmp_path):
    copy = tmp_path / "build"
    shutil.copytree(clone["root"], copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    server = RunningServer({"RECORD_STREAMS": "0"}, root=copy)
    try:
        version = tomllib.loads((copy / "pyproject.toml").read_text())["project"]["version"]
        response = requests.get(server.url + "/source", timeout=30)
        _check_archive(response, copy, clone["tracked"], f"live-assistant-{version}")
    finally:
        server.stop()


# --- in process ---------------------------------------------------------------------------------------------------


def test_the_fallback_listing_follows_no_link_out_and_skips_what_is_never_shipped(tmp_path):
    root = tmp_path / "project"
    (root / "assistant" / "__pycache__").mkdir(parents=True)
    (root / "assistant" / "app.py").write_text("print('hello')\n")
    (root / "assistant" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (root / "assistant" / ".env").write_text(SECRET)
    (root / "wsgi.py").write_text("import assistant\n")
    (root / "LICENSE").write_text("AGPL\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.txt").write_text(SECRET)
    (root / "docs").symlink_to(tmp_path / "elsewhere", target_is_directory=True)  # a folder out of the project
    (root / "assistant" / "escape.py").symlink_to(tmp_path / "elsewhere" / "secret.txt")
    (root / "assistant" / "alias.py").symlink_to("app.py")  # inside: read where it points
    (root / "Procfile").symlink_to(root / "assistant" / ".env")

    files = source.source_files(root)
    assert [name for name, _ in files] == ["LICENSE", "assistant/alias.py", "assistant/app.py", "wsgi.py"]
    assert dict(files)["assistant/alias.py"] == (root / "assistant" / "app.py").resolve()
    members = _unpacked(b"".join(source.archive_chunks(files, "top")))
    assert members == {f"top/{name}": path.read_bytes() for name, path in files}
    assert source.archive_name(root) == "live-assistant"  # no .git, no pyproject.toml


def test_a_big_file_streams_in_blocks(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * source.BLOCK + 100))
    chunks = list(source.archive_chunks([("big.bin", big)], "top"))
    assert len(chunks) > 3
    assert _unpacked(b"".join(chunks)) == {"top/big.bin": big.read_bytes()}


@pytest.fixture(scope="module")
def records_file(tmp_path_factory):
    return tmp_path_factory.mktemp("source-records") / "records.sqlite3"


@pytest.fixture
def make_app(records_file):
    """`make_app(**config)`: an app in process on the module's records file, shut down after the test."""
    with ExitStack() as apps:
        yield lambda **config: apps.enter_context(running_app(records_file.parent, **config))


def _footer_links(html):
    return re.findall(r'<a id="source-link"[^>]*href="([^"]+)"', html)


def test_every_page_with_a_ui_has_the_footer_link_and_source_url_replaces_it(make_app, records_file):
    app = make_app()
    live_id = add_live(records_file, "maya", "7300")
    client = app.test_client()
    pages = ["/", "/@maya", "/streams", "/wall", f"/streams/{live_id}", "/streams/123456",
             "/streams/latest?username=nobody"]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert _footer_links(response.text) == ["/source"], path
    assert _footer_links(client.get("/overlay/maya?widgets=chat").text) == []  # OBS shows no footer

    forked = make_app(SOURCE_URL=SOURCE_URL, ACCESS_PASSWORD=PASSWORD, SECRET_KEY="k" * 40).test_client()
    login = forked.get("/login")
    assert _footer_links(login.text) == [SOURCE_URL]
    forked.post("/login", data={"password": PASSWORD})
    for path in pages:
        assert _footer_links(forked.get(path).text) == [SOURCE_URL], path


def test_source_needs_no_login_with_access_password_set(make_app):
    client = make_app(ACCESS_PASSWORD=PASSWORD, SECRET_KEY="k" * 40, RECORD_STREAMS=False).test_client()
    assert client.get("/api/streams").status_code == 401
    response = client.get("/source")
    assert response.status_code == 200
    members = _unpacked(response.data)
    top = source.archive_name()
    assert members[f"{top}/LICENSE"] == (REPO / "LICENSE").read_bytes()


def test_source_url_must_be_a_web_address():
    with pytest.raises(SettingsError, match="^SOURCE_URL must be a URL like https://"):
        Config({"SOURCE_URL": "javascript:alert(1)"})
    assert Config({"SOURCE_URL": SOURCE_URL}).SOURCE_URL == SOURCE_URL


# --- in Chromium --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages_server(tmp_path_factory):
    """A server whose records hold one live."""
    database = tmp_path_factory.mktemp("source-ui") / "records.sqlite3"
    server = RunningServer({"DATABASE_URL": f"sqlite:///{database}"})
    live_id = add_live(database, "maya.sunny", "7300000000001", started_at=time.time() - 7200)
    yield server, live_id
    server.stop()


def _expect_footer(page, href):
    """The footer is seen at the page's end: within the window's width, below the main content, its link `href`."""
    footer = page.locator(".site-footer")
    expect(footer).to_have_count(1)
    link = footer.locator("#source-link")
    expect(link).to_have_text("Source")
    expect(link).to_have_attribute("href", href)
    footer.scroll_into_view_if_needed()
    expect(footer).to_be_in_viewport()
    box = footer.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5
    assert box["height"] < 40  # one quiet line, also at 390 wide
    main_bottom = page.evaluate("() => document.querySelector('main').getBoundingClientRect().bottom")
    assert box["y"] >= main_bottom - 0.5


@needs_chromium
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_the_footer_in_chromium_on_every_page(pages_server, browser, viewport, tmp_path):
    server, live_id = pages_server
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    try:
        for name, path in [("dashboard", "/"), ("streams", "/streams"), ("report", f"/streams/{live_id}"),
                           ("error", "/streams/999999")]:
            page.goto(server.url + path)
            _expect_footer(page, "/source")
            page.screenshot(path=str(folder / f"footer-{name}-{viewport['width']}.png"))
        with page.expect_download() as download:
            page.click("#source-link")
        assert re.fullmatch(r"live-assistant-[0-9a-f]{12}\.tar\.gz", download.value.suggested_filename)
        members = _unpacked(Path(download.value.path()).read_bytes())
        assert any(name.endswith("/LICENSE") for name in members)

        page.goto(server.url + "/overlay/maya.sunny?widgets=chat")
        expect(page.locator("#overlay")).to_have_count(1)
        expect(page.locator(".site-footer")).to_have_count(0)
    finally:
        context.close()
    assert not errors


@needs_chromium
def test_source_url_in_chromium_from_the_login_form_on(browser, tmp_path):
    server = RunningServer({"ACCESS_PASSWORD": PASSWORD, "SECRET_KEY": "k" * 40, "SOURCE_URL": SOURCE_URL,
                            "RECORD_STREAMS": "0"})
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(server.url + "/")
        expect(page.locator("#login-form")).to_be_visible()
        _expect_footer(page, SOURCE_URL)
        page.screenshot(path=str(Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path) / "footer-login-390.png"))
        page.fill("#password-input", PASSWORD)
        page.click("#login-button")
        expect(page.locator("#session-id")).not_to_have_text("—")
        _expect_footer(page, SOURCE_URL)
    finally:
        context.close()
        server.stop()
