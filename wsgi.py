"""Entry point (Procfile: `web: python wsgi.py`): eventlet on its asyncio hub, then the server (server.main)."""

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

from assistant.server import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
