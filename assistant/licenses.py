"""The licenses of what Live Assistant runs on: docs/licenses.md, and the check that each one is known and is a
license AGPL-3.0 can take (Live Assistant is AGPL-3.0-or-later: LICENSE, README "License").

`python -m assistant.licenses` (`make licenses`) writes docs/licenses.md and prints every problem (status 1 with
any); `--check` writes nothing and also says whether the file is stale. tests/test_licenses.py runs the same check.

A Python package pinned in requirements.txt is read from its installed metadata, in this order:
1. REVIEWED: a reading made by a person, for one version, where the metadata names no license plainly (TikTokLive's
   modified AGPL, a classifier that does not say which BSD, nothing at all); a new version is read again.
2. its License-Expression (PEP 639): an SPDX expression, taken as it is.
3. its License field, when it is one line (LICENSE_NAMES turns the few non-SPDX names found into SPDX ids). A field of
   several lines is a license's whole text, not its name (websockets_proxy): the classifiers are read instead.
4. its classifiers, when exactly one names a single license (CLASSIFIERS).
Anything else is unknown, and a problem. A browser library vendored in static/ is read from package-lock.json (the
npm registry's license field), and its files must keep their license headers.
"""

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "licenses.md"

TIKTOKLIVE_AGPL = "LicenseRef-TikTokLive-Modified-AGPL-3.0"
PUBLIC_DOMAIN = "LicenseRef-Public-Domain"
NONE_STATED = "LicenseRef-None-Stated"
# What AGPL-3.0 can take into a work under it: permissive licenses (MIT-CMU: Pillow's), the weak copylefts that allow
# it (MPL-2.0 by its section 3.3, the LGPL), the GPL-3.0 (AGPL-3.0 section 13 lets the two be combined; GPL-2.0 "or
# later" is taken as 3.0: mutagen's), the AGPL-3.0 itself and TikTokLive's modification of it (an exception that
# does not apply to Live Assistant, so plain AGPL-3.0 here), and what nobody holds rights to.
ALLOWED = frozenset({
    "MIT", "MIT-CMU", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "ISC", "Apache-2.0", "PSF-2.0", "MPL-2.0",
    "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "AGPL-3.0-only", "AGPL-3.0-or-later",
    "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later",
    TIKTOKLIVE_AGPL, PUBLIC_DOMAIN,
})
SHOWN_AS = {TIKTOKLIVE_AGPL: "TikTokLive's modified AGPL-3.0", PUBLIC_DOMAIN: "public domain",
            NONE_STATED: "none stated"}
# License fields found in the pinned packages that are not SPDX ids, and what they name (each checked against the
# package's classifiers and license file).
LICENSE_NAMES = {"Apache 2.0": "Apache-2.0", "Apache 2": "Apache-2.0", "3-Clause BSD License": "BSD-3-Clause"}
# Classifiers that name exactly one license ("BSD License" and "Apache Software License" do not say which version).
CLASSIFIERS = {
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: Python Software Foundation License": "PSF-2.0",
}
# TikTokLive 7.0.1's LICENSE: the AGPL-3.0 and its sections 18 to 21 (TikTokLiveProto 0.2.2 ships the same file).
TIKTOKLIVE_LICENSE_SHA256 = "dcf7980cd048cf1d9ec1177cdf73d5c3e363150653f43b8ef8eafd28c83928e2"


@dataclass(frozen=True)
class Reading:
    """A package's license: an SPDX expression (or one of the LicenseRefs above), where it was read, and a note."""

    license: str  # "" when unknown
    source: str
    note: str = ""
    license_file_sha256: str = ""  # a reviewed reading holds only for this license file, when given


REVIEWED = {
    ("TikTokLive", "7.0.1"): Reading(
        TIKTOKLIVE_AGPL, "reviewed: License field `Modified AGPL-3.0` and its LICENSE file",
        "its License field says `Modified AGPL-3.0`, its classifier `Other/Proprietary License`. Its LICENSE is the "
        "AGPL-3.0 text followed by additional terms: section 18 lets other programs use it without the AGPL; section "
        "19 withdraws that from a hosted service (a SaaS, a WebSocket relay) offered to others over a network whose "
        "complete server-side source is not available under AGPL-3.0; section 21 excepts two companies. Live "
        "Assistant is such a service, so it is AGPL-3.0-or-later and serves its own source at `/source`. Recognised "
        "by this version and by its LICENSE file's SHA-256: a new version, or another file, is read again.",
        license_file_sha256=TIKTOKLIVE_LICENSE_SHA256),
    ("TikTokLiveProto", "0.2.2"): Reading(
        "AGPL-3.0-only", "License-Expression",
        "its License-Expression is `AGPL-3.0-only`; the LICENSE file in its wheel is TikTokLive's modified text "
        "above, byte for byte. Either way Live Assistant, a hosted service, is under the AGPL.",
        license_file_sha256=TIKTOKLIVE_LICENSE_SHA256),
    ("EulerApiSdk", "0.1.0"): Reading(
        NONE_STATED, "reviewed: nothing in its wheel or its source archive",
        "it states no license: no License-Expression, License field, license classifier or license file, in its "
        "wheel or in its source archive on PyPI. It is the client of Euler Stream's sign API (the sign server "
        "TikTokLive uses), and TikTokLive 7.0.1 requires exactly this version. None of it is copied into this "
        "repository or into `/source`: pip installs it from PyPI. It is accepted by name and version "
        "(`ACCEPTED_WITHOUT_LICENSE` in assistant/licenses.py) until its authors state a license; any other package "
        "without one, or another version of it, fails the check."),
    ("python-dateutil", "2.9.0.post0"): Reading(
        "Apache-2.0 AND BSD-3-Clause", "reviewed: its LICENSE file (License field `Dual License`)",
        "its License field says `Dual License` and its classifiers name both BSD and Apache. Its LICENSE file: "
        "contributions since 2017-12-01 are under Apache-2.0, and the 3-clause BSD license applies to all the code."),
    ("Jinja2", "3.1.6"): Reading("BSD-3-Clause", "reviewed: its LICENSE.txt (classifier `BSD License`)"),
    ("itsdangerous", "2.2.0"): Reading("BSD-3-Clause", "reviewed: its LICENSE.txt (classifier `BSD License`)"),
    ("protobuf3-to-dict", "0.1.5"): Reading(
        PUBLIC_DOMAIN, "reviewed: License field `Public Domain`",
        "its License field says `Public Domain` and so does its classifier; it ships no license file."),
}
# Packages whose authors state no license, kept knowingly (see its note in REVIEWED).
ACCEPTED_WITHOUT_LICENSE = frozenset({("EulerApiSdk", "0.1.0")})


@dataclass(frozen=True)
class Vendored:
    """A browser library copied into static/ by `npm run vendor` (package.json): its npm name, its files, and the
    packages its build bundles (as the sources of its source map name them)."""

    package: str
    files: tuple
    bundles: tuple = ()


VENDORED = (
    Vendored("socket.io-client", ("static/js/vendor/socket.io.esm.min.js", "static/js/vendor/socket.io.esm.min.js.map"),
             ("engine.io-client", "engine.io-parser", "socket.io-parser", "@socket.io/component-emitter")),
    Vendored("uplot", ("static/js/vendor/uPlot.esm.js", "static/css/vendor/uPlot.min.css")),
)
VENDOR_FOLDERS = ("static/js/vendor", "static/css/vendor")


@dataclass(frozen=True)
class Dependency:
    name: str  # as requirements.txt spells it
    version: str  # pinned
    installed: str | None
    reading: Reading


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    license: str
    files: tuple
    bundles: tuple = field(default=())  # (name, version, license)


# --- SPDX expressions -------------------------------------------------------------------------------------------


def compatible(expression):
    """Whether an SPDX expression (ids, AND, OR, parentheses) is one AGPL-3.0 can take: AND needs both sides, OR
    either. WITH, or an id outside ALLOWED, is not."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)

    def joined(at, word, term, combine):
        """`term (word term)*` from token `at`: whether it holds (`combine`: any for OR, all for AND), and where it
        ends."""
        ok, at = term(at)
        while at < len(tokens) and tokens[at] == word:
            right, at = term(at + 1)
            ok = combine((ok, right))
        return ok, at

    def either(at):
        return joined(at, "OR", both, any)

    def both(at):  # AND binds tighter than OR
        return joined(at, "AND", single, all)

    def single(at):
        if at >= len(tokens):
            return False, at
        if tokens[at] == "(":
            ok, at = either(at + 1)
            return ok and at < len(tokens) and tokens[at] == ")", at + 1
        return tokens[at] in ALLOWED, at + 1

    ok, at = either(0)
    return bool(tokens) and ok and at == len(tokens)


def shown(expression):
    return SHOWN_AS.get(expression, expression)


# --- Python packages ----------------------------------------------------------------------------------------------


def read_license(name, version, meta, license_files):
    """The Reading of one package: `meta` its metadata (an email.message.Message, as importlib.metadata gives it),
    `license_files` the text of its license files."""
    reviewed = REVIEWED.get((name, version))
    if reviewed:
        digests = {hashlib.sha256(text.encode()).hexdigest() for text in license_files}
        if reviewed.license_file_sha256 and reviewed.license_file_sha256 not in digests:
            return Reading("", f"{name} {version}'s license file is not the one reviewed")
        return reviewed
    if meta.get("License-Expression"):
        return Reading(meta["License-Expression"].strip(), "License-Expression")
    declared = (meta.get("License") or "").strip()
    if declared and declared != "UNKNOWN" and "\n" not in declared:  # UNKNOWN: old setuptools' word for none
        return Reading(LICENSE_NAMES.get(declared, declared), "License field")
    named = {CLASSIFIERS[c] for c in meta.get_all("Classifier") or () if c in CLASSIFIERS}
    if len(named) == 1:
        return Reading(named.pop(), "classifier" + (" (its License field is the license's text)" if declared else ""))
    return Reading("", "no License-Expression, License or single-license classifier")


def pinned(requirements):
    """[(name, version)] of requirements.txt's `name==version` lines (extras dropped), in its order; a line that
    pins nothing is returned with version None."""
    pins = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?\s*==\s*([^\s;]+)", line)
        pins.append((match[1], match[2]) if match else (line, None))
    return pins


def _license_files(dist):
    texts = []
    for name in dist.metadata.get_all("License-File") or ():
        text = dist.read_text(f"licenses/{name}") or dist.read_text(name)  # metadata 2.4 keeps them in licenses/
        if text is not None:
            texts.append(text)
    return texts


def python_dependencies(requirements=ROOT / "requirements.txt"):
    found = []
    for name, version in pinned(requirements):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            found.append(Dependency(name, version, None, Reading("", "not installed")))
            continue
        installed = dist.version
        if version is None or installed != version:
            reading = Reading("", f"installed {installed}, not the version pinned")
        else:
            reading = read_license(name, version, dist.metadata, _license_files(dist))
        found.append(Dependency(name, version, installed, reading))
    return found


# --- browser libraries --------------------------------------------------------------------------------------------


def browser_libraries(root=ROOT):
    """VENDORED, with each package's version and license (and its bundled packages') from package-lock.json."""
    packages = json.loads((root / "package-lock.json").read_text())["packages"]

    def locked(name):
        entry = packages.get(f"node_modules/{name}", {})
        return entry.get("version", ""), entry.get("license", "")

    return [Library(v.package, *locked(v.package), v.files, tuple((b, *locked(b)) for b in v.bundles))
            for v in VENDORED]


def _first_comment(path):
    match = re.match(r"\s*/\*(.*?)\*/", path.read_text(errors="replace")[:4000], re.S)
    return match[1] if match else ""


def vendored_problems(libraries, root=ROOT):
    """A vendored file no VENDORED entry names, and a script that lost its license header (which names the license
    and the version, as the npm package's build has it)."""
    problems = []
    listed = {name for library in libraries for name in library.files}
    for folder in VENDOR_FOLDERS:
        for path in sorted((root / folder).iterdir()):
            if path.relative_to(root).as_posix() not in listed:
                problems.append(f"{path.relative_to(root).as_posix()}: vendored but not in VENDORED "
                                f"(assistant/licenses.py): its license is not known")
    for library in libraries:
        if not library.version or not compatible(library.license):
            problems.append(f"{library.name} {library.version}: license {library.license or 'unknown'} "
                            f"(package-lock.json) is not one AGPL-3.0 can take")
        for name, version, license_ in library.bundles:
            if not compatible(license_):
                problems.append(f"{name} {version} (bundled in {library.name}): license {license_ or 'unknown'} "
                                f"(package-lock.json) is not one AGPL-3.0 can take")
        for name in library.files:
            header = _first_comment(root / name) if name.endswith(".js") else None
            if header is not None and not (library.license in header and library.version in header):
                problems.append(f"{name}: its license header (naming {library.license} and {library.version}) is "
                                f"missing: put back the one from the npm package {library.name}")
    return problems


# --- the check and the page ---------------------------------------------------------------------------------------


def problems(dependencies):
    """One line per Python dependency whose license is unknown or not one AGPL-3.0 can take."""
    lines = []
    for dep in dependencies:
        reading = dep.reading
        if dep.version is None:
            lines.append(f"{dep.name}: requirements.txt does not pin it (name==version)")
        elif not reading.license:
            lines.append(f"{dep.name} {dep.version}: license unknown ({reading.source})")
        elif not compatible(reading.license) and (dep.name, dep.version) not in ACCEPTED_WITHOUT_LICENSE:
            lines.append(f"{dep.name} {dep.version}: {shown(reading.license)} ({reading.source}) is not a license "
                         f"AGPL-3.0 can take")
    return lines


INTRO = """\
# Licenses

Live Assistant is free software under the GNU Affero General Public License, version 3 or later
([LICENSE](../LICENSE); why: [the README](../README.md#license)). Below, the license of each runtime dependency
pinned in `requirements.txt` and of each browser library copied into `static/`.

Written by `make licenses` (`python -m assistant.licenses`) from the installed packages' metadata and
`package-lock.json`: do not edit it by hand. `tests/test_licenses.py` fails when it is stale, or when a license is
unknown or not one that AGPL-3.0 can take: MIT, BSD, ISC, Apache-2.0, PSF-2.0, MPL-2.0, the LGPL, the AGPL-3.0 and
TikTokLive's modified AGPL-3.0. How each was read: the docstring of `assistant/licenses.py`.
"""


def _cell(text):
    return text.replace("|", "\\|")


def render(dependencies, libraries):
    lines = [INTRO, "## Python packages (requirements.txt)", "",
             "| package | version | license | read from |", "|---|---|---|---|"]
    notes = []
    for dep in dependencies:
        reading = dep.reading
        license_ = shown(reading.license) if reading.license else "unknown"
        if reading.note:
            license_ += " (see notes)"
            notes.append(f"- **{dep.name} {dep.version}**: {reading.note}")
        lines.append(f"| {_cell(dep.name)} | {dep.version} | {_cell(license_)} | {_cell(reading.source)} |")
    lines += ["", "## Browser libraries (static/js/vendor, static/css/vendor)", "",
              "| library | version | license | files | bundles |", "|---|---|---|---|---|"]
    for library in libraries:
        files = ", ".join(f"`{name}`" for name in library.files)
        bundles = ", ".join(f"{name} {version} ({license_})" for name, version, license_ in library.bundles) or "—"
        lines.append(f"| {library.name} | {library.version} | {library.license} | {files} | {bundles} |")
    lines += ["", "Versions and licenses from `package-lock.json`; each script keeps its package's license header.",
              "", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


def _rows(text):
    """{package or library: its table row} of a licenses page."""
    rows = {}
    for line in text.splitlines():
        cells = line.split(" | ")
        if line.startswith("| ") and cells[0][2:] not in ("package", "library"):
            rows[cells[0][2:]] = line
    return rows


def stale(current, fresh):
    """Lines naming each package whose row in docs/licenses.md (`current`) differs from what render() gives now."""
    if current == fresh:
        return []
    before, now = _rows(current), _rows(fresh)
    names = sorted(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))
    return [f"docs/licenses.md is stale for {name}: run `make licenses`" for name in names] or [
        "docs/licenses.md differs from what `make licenses` writes (its text or notes): run `make licenses`"]


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    dependencies, libraries = python_dependencies(), browser_libraries()
    fresh = render(dependencies, libraries)
    found = problems(dependencies) + vendored_problems(libraries)
    if "--check" in args:
        found += stale(DOC.read_text() if DOC.exists() else "", fresh)
    else:
        DOC.write_text(fresh)
        print(f"wrote {DOC.relative_to(ROOT)}: {len(dependencies)} Python packages, {len(libraries)} browser libraries")
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
