"""Entry point (Procfile: `web: python wsgi.py`): eventlet on its asyncio hub, then the app."""

import os
import sys
import warnings

os.environ.setdefault("EVENTLET_HUB", "asyncio")  # TikTokLive is asyncio: run it on eventlet's asyncio hub
# The stack is fixed and eventlet's code is kept to a few places; its nine-line notice at every start says nothing new.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

# select stays the original: TikTokLive's coroutines run inside the hub, and httpcore calls
# select.select(..., 0) before reusing a pooled connection; the green one refuses to run there.
eventlet.monkey_patch(select=False)

from assistant import create_app  # noqa: E402
from assistant.config import SettingsError  # noqa: E402
from assistant.server import serve  # noqa: E402

try:
    app = create_app()
except SettingsError as ex:  # one line that names the setting, not a traceback; 2: a usage error
    sys.stderr.write(f"Live Assistant: bad setting: {ex}\n")
    sys.exit(2)

if __name__ == "__main__":
    serve(app)
