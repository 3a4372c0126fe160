"""The only package that imports TikTokLive: client set-up, error mapping, and the fast decode of
what the push socket carries into the contract's events.

- connection: TikTokLive for the connection, with its per-frame work replaced (three seams), the TikTok
  session, and TikTokLive's errors mapped to the contract's codes;
- ratelimit: the wait a sign server's 429 asks for, read from its headers;
- schema: protobuf (upb) classes with only the fields the app reads, numbered from TikTokLive's classes;
- decode: frame -> fetch result -> dispatch on the message's method; garbled input skipped and counted;
- normalise: decoded messages -> event dicts;
- stream: TikTokStream, one connection attempt, as the runner uses it;
- reference: TikTokLive's own decode and the former normalisation, the fast decode's reference;
- compare: a frame decoded both ways, the events compared (the decode check's work).
"""

from .compare import compare_frame
from .compare import prepare as prepare_reference
from .connection import UpstreamError, creator_live, point_at, use_session
from .reference import warm as warm_reference
from .stream import TikTokStream

__all__ = ["TikTokStream", "UpstreamError", "compare_frame", "creator_live", "point_at", "prepare_reference",
           "use_session", "warm_reference"]
