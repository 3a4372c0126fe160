"""The upstream side: one runner per creator (runner.py: the counting) on the process holding its lease
(registry.py); its connection to TikTok (supervisor.py) hands it events and statuses over a bounded
queue (backlog.py), in the types of signals.py; with CAPTURE_DIR set, what TikTok sends goes to a file
(capture.py)."""

from .registry import StreamRegistry
from .runner import RunnerSettings, StreamRunner

__all__ = ["RunnerSettings", "StreamRegistry", "StreamRunner"]
