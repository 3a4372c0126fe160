"""The licenses: LICENSE is the AGPL-3.0's exact text; every pinned runtime dependency and vendored browser library
has a known license that AGPL-3.0 can take (a failure is one line per package); docs/licenses.md is what
`make licenses` writes now. Then the check itself, on made-up metadata: it does fail."""

import email
import hashlib
import json
import shutil

import pytest
from support.appserver import REPO

from assistant import licenses

# The GNU AGPL v3 as gnu.org publishes it (agpl-3.0.txt, 661 lines): the same bytes as choosealicense.com's copy in
# Debian's ruby-licensee and as the first 661 lines of TikTokLive 7.0.1's LICENSE.
AGPL_3_SHA256 = "8486a10c4393cee1c25392769ddd3b2d6c242d6ec7928e1414efff7dfb2f07ef"


def test_license_is_the_agpl_3_text_unchanged():
    text = (REPO / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == AGPL_3_SHA256
    assert text.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n")


def test_every_dependency_has_a_license_agpl_can_take():
    found = licenses.problems(licenses.python_dependencies()) + licenses.vendored_problems(licenses.browser_libraries())
    assert not found, "\n" + "\n".join(found)


def test_docs_licenses_is_what_make_licenses_writes():
    fresh = licenses.render(licenses.python_dependencies(), licenses.browser_libraries())
    found = licenses.stale(licenses.DOC.read_text(), fresh)
    assert not found, "\n" + "\n".join(found)


# --- the check, on made-up packages ----------------------------------------------------------------------------


def _meta(**fields):
    message = email.message.Message()
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            message[key.replace("_", "-")] = value
    return message


def _dependency(name, version, meta, license_files=()):
    return licenses.Dependency(name, version, version, licenses.read_license(name, version, meta, list(license_files)))


@pytest.mark.parametrize("expression, ok", [
    ("MIT", True), ("Apache-2.0 AND MIT", True), ("MIT OR GPL-2.0-only", True), ("(MIT OR GPL-2.0-only) AND ISC", True),
    ("GPL-2.0-only", False), ("Apache-2.0 AND GPL-2.0-only", False), ("SSPL-1.0", False), ("MIT AND", False),
    ("(MIT", False), ("GPL-2.0-only WITH Classpath-exception-2.0", False), ("", False),
])
def test_expressions(expression, ok):
    assert licenses.compatible(expression) is ok


def test_a_license_agpl_cannot_take_is_one_line_naming_the_package():
    deps = [_dependency("fine", "1.0", _meta(License_Expression="MIT")),
            _dependency("closed", "2.0", _meta(License_Expression="LicenseRef-Proprietary")),
            _dependency("old-gpl", "3.0", _meta(License="GPL-2.0-only"))]
    assert licenses.problems(deps) == [
        "closed 2.0: LicenseRef-Proprietary (License-Expression) is not a license AGPL-3.0 can take",
        "old-gpl 3.0: GPL-2.0-only (License field) is not a license AGPL-3.0 can take",
    ]


def test_messy_metadata_is_read_for_what_it_says_or_is_unknown():
    mit = "License :: OSI Approved :: MIT License"
    text = _dependency("texty", "1", _meta(License="MIT License\n\nPermission is hereby granted...", Classifier=mit))
    assert text.reading == licenses.Reading("MIT", "classifier (its License field is the license's text)")
    assert _dependency("aliased", "1", _meta(License="Apache 2")).reading.license == "Apache-2.0"
    unknown = [_dependency("nothing", "1", _meta()),
               _dependency("unknown", "1", _meta(License="UNKNOWN")),
               _dependency("which-bsd", "1", _meta(Classifier="License :: OSI Approved :: BSD License")),
               _dependency("two", "1", _meta(Classifier=[mit, "License :: OSI Approved :: ISC License (ISCL)"]))]
    assert [line.split(":")[0] for line in licenses.problems(unknown)] == ["nothing 1", "unknown 1",
                                                                               "which-bsd 1", "two 1"]


def test_tiktoklives_modified_agpl_is_recognised_only_for_its_version_and_file():
    installed = licenses.python_dependencies()
    real = next(dep for dep in installed if dep.name == "TikTokLive")
    assert real.reading.license == licenses.TIKTOKLIVE_AGPL
    meta = _meta(License="Modified AGPL-3.0", Classifier="License :: Other/Proprietary License")
    other_file = _dependency("TikTokLive", "7.0.1", meta, ["GNU AFFERO GENERAL PUBLIC LICENSE, changed"])
    other_version = _dependency("TikTokLive", "7.0.2", meta)
    lookalike = _dependency("TikTokLivePlus", "7.0.1", meta)
    assert licenses.problems([other_file, other_version, lookalike]) == [
        "TikTokLive 7.0.1: license unknown (TikTokLive 7.0.1's license file is not the one reviewed)",
        "TikTokLive 7.0.2: Modified AGPL-3.0 (License field) is not a license AGPL-3.0 can take",
        "TikTokLivePlus 7.0.1: Modified AGPL-3.0 (License field) is not a license AGPL-3.0 can take",
    ]


def test_a_package_without_a_license_passes_only_by_name_and_version():
    nothing = _meta()
    accepted = _dependency("EulerApiSdk", "0.1.0", nothing)
    assert accepted.reading.license == licenses.NONE_STATED
    assert licenses.problems([accepted, _dependency("EulerApiSdk", "0.2.0", nothing)]) == [
        "EulerApiSdk 0.2.0: license unknown (no License-Expression, License or single-license classifier)"]


def test_a_pin_the_venv_does_not_have_is_named(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# runtime\nFlask==0.0.1\nno-such-package-here==1.0\npsycopg[binary]==3.3.9\nloose>=1\n")
    found = licenses.problems(licenses.python_dependencies(requirements))
    assert found == [
        f"Flask 0.0.1: license unknown (installed {licenses.metadata.version('Flask')}, not the version pinned)",
        "no-such-package-here 1.0: license unknown (not installed)",
        "loose>=1: requirements.txt does not pin it (name==version)",
    ]


def test_a_stale_page_names_each_package_that_changed():
    deps = licenses.python_dependencies()
    page = licenses.render(deps, [])
    bumped = [dep if dep.name != "redis" else licenses.Dependency("redis", "9.0.0", "9.0.0", dep.reading)
              for dep in deps if dep.name != "six"]
    assert licenses.stale(page, licenses.render(bumped, [])) == [
        "docs/licenses.md is stale for redis: run `make licenses`",
        "docs/licenses.md is stale for six: run `make licenses`",
    ]
    assert licenses.stale(page, page.replace("do not edit it by hand", "edit away")) == [
        "docs/licenses.md differs from what `make licenses` writes (its text or notes): run `make licenses`"]


def test_vendored_scripts_keep_their_license_headers(tmp_path):
    root = tmp_path / "project"
    (root / "static").mkdir(parents=True)
    shutil.copy(REPO / "package-lock.json", root)
    for folder in licenses.VENDOR_FOLDERS:
        shutil.copytree(REPO / folder, root / folder)
    script = root / "static/js/vendor/uPlot.esm.js"
    script.write_text(script.read_text().split("*/", 1)[1])  # its header gone
    (root / "static/js/vendor/extra.js").write_text("/*! extra, MIT */\n")
    lock = json.loads((root / "package-lock.json").read_text())
    lock["packages"]["node_modules/engine.io-parser"]["license"] = "GPL-2.0-only"
    (root / "package-lock.json").write_text(json.dumps(lock))
    assert licenses.vendored_problems(licenses.browser_libraries(root), root) == [
        "static/js/vendor/extra.js: vendored but not in VENDORED (assistant/licenses.py): its license is not known",
        "engine.io-parser 5.2.3 (bundled in socket.io-client): license GPL-2.0-only (package-lock.json) is not one "
        "AGPL-3.0 can take",
        "static/js/vendor/uPlot.esm.js: its license header (naming MIT and 1.6.32) is missing: put back the one from "
        "the npm package uplot",
    ]
