"""TikTok LIVE in a box: a local server the unmodified TikTokLive client connects to.

Run it with `python -m assistant.simulator --port 8100`, or from a program with
`start_simulator()`. Only the light process helper is imported here: the server side (aiohttp,
TikTokLive's proto classes) loads in the child process.
"""

from .process import RunningSimulator, start_simulator

__all__ = ["RunningSimulator", "start_simulator"]
