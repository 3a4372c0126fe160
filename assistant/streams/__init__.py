"""The upstream side: one runner per creator (runner.py) on the process holding its lease (registry.py)."""

from .registry import StreamRegistry
from .runner import StreamRunner

__all__ = ["StreamRegistry", "StreamRunner"]
