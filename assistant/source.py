"""The running program's own source, offered to everyone who uses it (AGPL-3.0 section 13; LICENSE, README "License").

`source_files()` says what goes in: the files git tracks where the project is a git checkout (`git ls-files`), else
the project's own files (PROJECT_ENTRIES: a platform's build or a copied folder has no `.git`). In both cases never
what is secret or belongs to this deployment (`.env`, `instance/` with the SQLite records, virtualenvs, captures of
real lives, caches), and never a file outside the project's root, wherever a symlink points.
`archive_chunks()` streams those files as a .tar.gz, read and compressed a block at a time.
"""

import logging
import os
import subprocess
import tarfile
import time
import tomllib
import zlib
from pathlib import Path, PurePosixPath

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
PROJECT_NAME = "live-assistant"
# Without .git: the project's files, as the repository holds them.
PROJECT_ENTRIES = ("assistant", "templates", "static", "docs", "tests", "bench", ".ci", "wsgi.py", "requirements.txt",
                   "requirements-dev.txt", "pyproject.toml", "package.json", "package-lock.json", "LICENSE",
                   "README.md", "Procfile", "Makefile", ".gitignore")
# Never in the archive, at any depth, even when git tracks it: secrets, this deployment's data, environments, caches.
NEVER_NAMES = frozenset({".git", "instance", ".venv", "venv", "node_modules", "__pycache__", "captures",
                         ".pytest_cache", ".ruff_cache", ".hypothesis", "artifacts"})
NEVER_PREFIXES = (".env",)  # .env, .env.local, .envrc
NEVER_SUFFIXES = (".pyc", ".tlcap.jsonl.gz", ".sqlite3", ".sqlite", ".db", ".log")  # .tlcap: a live's capture
GIT_TIMEOUT_SECONDS = 10
BLOCK = 64 * 1024  # read, compressed and sent this much at a time
GZIP_LEVEL = 6
_TAR_BLOCK = tarfile.BLOCKSIZE
_TAR_RECORD = tarfile.RECORDSIZE


def _never(relative):
    """Whether a path (relative to the root) is one the archive never holds."""
    parts = PurePosixPath(relative).parts
    return any(part in NEVER_NAMES or part.startswith(NEVER_PREFIXES) for part in parts) or (
        bool(parts) and parts[-1].endswith(NEVER_SUFFIXES))


def _git(root, *args):
    """`git <args>` run in `root`: its output, or None (and a warning) when git is missing or fails."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=GIT_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError) as ex:
        log.warning("source: git %s failed (%s); listing the project's own files instead", args[0], ex)
        return None
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip().splitlines()
        log.warning("source: git %s failed (%s); listing the project's own files instead", args[0],
                    error[-1] if error else f"status {done.returncode}")
        return None
    return done.stdout


def _tracked(root):
    """The paths git tracks under `root`, or None where it is no git checkout (or git does not answer)."""
    if not (root / ".git").exists():
        return None
    listed = _git(root, "ls-files", "-z")
    return None if listed is None else [os.fsdecode(name) for name in listed.split(b"\0") if name]


def _project_entries(root):
    """Without git: every file under PROJECT_ENTRIES, symlinked folders not followed."""
    names = []
    for entry in PROJECT_ENTRIES:
        path = root / entry
        if path.is_dir() and not path.is_symlink():
            for folder, subfolders, files in os.walk(path):
                subfolders[:] = [name for name in subfolders if not _never(name)]
                names.extend(Path(folder, name).relative_to(root).as_posix() for name in files)
        elif path.exists() or path.is_symlink():
            names.append(entry)
    return names


def source_files(root=ROOT):
    """[(name in the archive, the file to read)], sorted: regular files inside `root` only.

    A symlink is read where it points when that is a file inside the root that the archive may hold; one pointing
    outside (or at `.env`) is left out.
    """
    root = Path(root).resolve()
    listed = _tracked(root)
    if listed is None:
        listed = _project_entries(root)
    files = []
    for name in sorted(set(listed)):
        if _never(name):
            continue
        target = (root / name).resolve()
        if not target.is_relative_to(root) or _never(target.relative_to(root)) or not target.is_file():
            continue
        files.append((name, target))
    return files


def archive_name(root=ROOT):
    """The archive's top folder: `live-assistant-<commit>` in a git checkout, else `live-assistant-<version>`."""
    root = Path(root).resolve()
    commit = _git(root, "rev-parse", "--short=12", "HEAD") if (root / ".git").exists() else None
    if commit:
        return f"{PROJECT_NAME}-{commit.decode().strip()}"
    try:
        with open(root / "pyproject.toml", "rb") as file:
            version = tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return PROJECT_NAME
    return f"{PROJECT_NAME}-{version}"


def archive_chunks(files, top):
    """The .tar.gz of `files` (from `source_files`) under the folder `top`, as a stream of bytes.

    Tar and gzip are written here a block at a time (not by `tarfile`, which copies a whole file in one call), and
    `time.sleep(0)` after each block lets other green threads run under eventlet's monkey-patching (wsgi.py).
    """
    gzip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    written = 0
    for name, path in files:
        try:
            file = open(path, "rb")  # a member is written only once its file is open
        except OSError as ex:
            log.warning("source: %s left out: %s", name, ex)
            continue
        with file:
            stat = os.fstat(file.fileno())
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size, info.mtime = stat.st_size, int(stat.st_mtime)
            info.mode = 0o755 if stat.st_mode & 0o111 else 0o644
            header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
            written += len(header)
            yield gzip.compress(header)
            left = info.size
            while left:
                block = file.read(min(BLOCK, left))
                if not block:  # the file shrank since it was opened: the member keeps its announced size
                    log.warning("source: %s shrank while being read", name)
                    block = bytes(min(BLOCK, left))
                left -= len(block)
                written += len(block)
                yield gzip.compress(block)
                time.sleep(0)
        padding = -info.size % _TAR_BLOCK
        written += padding
        yield gzip.compress(bytes(padding))
    end = 2 * _TAR_BLOCK
    end += -(written + end) % _TAR_RECORD
    yield gzip.compress(bytes(end)) + gzip.flush()
