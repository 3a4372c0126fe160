"""Decode micro-benchmark: CPU per message, TikTokLive's path against the fast path, in one process.

    .venv/bin/python bench/decode.py [--messages 500] [--batch 20] [--rounds 5]

TikTokLive's path: betterproto2 decode of each message into TikTokLive's event objects (pydantic
dataclasses), then the app's former normalisation (assistant/tiktok/reference.py, the reference the tests
and the decode check hold the fast path to; TikTokLive's own emission of the events is left out). The fast
path: assistant.tiktok's dispatch on the method, upb decode of the fields read, normalisation straight into
event dicts. Both read the same messages, shaped as the simulator sends them (TikTok's common header, a
viewer with an avatar). Per frame, the push frame, its gunzip, the fetch result and the ack are measured
apart. Figures are CPU time, the best of the rounds (interleaved across cases); nothing is asserted.
"""

import argparse
import gzip
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_fast_decode import fetch_result  # noqa: E402
from TikTokLive.client.ws.ws_utils import extract_webcast_response_message  # noqa: E402
from TikTokLive.proto import (  # noqa: E402
    CommonMessageData,
    Gift,
    ImageModel,
    MemberMessageAction,
    ProtoMessageFetchResult,
    PushHeader,
    User,
    WebcastChatMessage,
    WebcastGiftMessage,
    WebcastLikeMessage,
    WebcastMemberMessage,
    WebcastPushFrame,
)
from TikTokLiveProto.v3.webcast.model.message.common import Text  # noqa: E402

from assistant.tiktok import reference, schema  # noqa: E402
from assistant.tiktok.decode import Decoder, ack_frame  # noqa: E402

SIM = "http://127.0.0.1:8100/_sim"


def _header(method, n, key="", pattern=""):
    text = Text(key=key, default_pattern=pattern) if key else None
    return CommonMessageData(method=method, msg_id=7_300_000_000_000_000_000 + n, room_id=7_312_345_678_901_234_567,
                             create_time=1_790_000_000_000 + n, is_show_msg=True, display_text=text)


def _viewer(n):
    uid = 6_800_000_000_000_000_000 + n % 500
    name = f"viewer_{n % 500}"
    avatar = ImageModel(url_list=[f"{SIM}/avatar/{name}.svg"], uri=f"sim/avatar/{name}", width=100, height=100)
    return User(id=uid, id_str=str(uid), display_id=name, nickname=f"Viewer {n % 500} 🌟",
                sec_uid=f"MS4wLjABAAAA{uid:x}", avatar_thumb=avatar)


def chat(n):
    return WebcastChatMessage(common=_header("WebcastChatMessage", n), user=_viewer(n),
                              content=f"message number {n} from the chat 🔥", content_language="en")


def gift(n):
    streak = n % 5
    return WebcastGiftMessage(
        common=_header("WebcastGiftMessage", n, "live_gift_send_message_to_anchor", "{0:user} sent {1:gift}"),
        user=_viewer(n), gift_id=5655, repeat_count=streak + 1, combo_count=streak + 1, repeat_end=int(streak == 4),
        group_id=n // 5, group_count=1, fan_ticket_count=streak + 1,
        gift=Gift(id=5655, name="Rose", diamond_count=1, type=1, combo=True, describe="sent Rose",
                  image=ImageModel(url_list=[f"{SIM}/gift/5655.svg"], uri="sim/gift/5655", width=100, height=100)),
    )


def like(n):
    return WebcastLikeMessage(common=_header("WebcastLikeMessage", n, "pm_mt_msg_viewer", "{0:user} liked the LIVE"),
                              user=_viewer(n), count=15, total=10_000 + 15 * n)


def member(n):
    return WebcastMemberMessage(common=_header("WebcastMemberMessage", n, "live_room_enter_toast", "{0:user} joined"),
                                user=_viewer(n), user_id=6_800_000_000_000_000_000 + n % 500,
                                action=MemberMessageAction.JOINED)


class Case:
    """One figure: TikTokLive's way and the fast way of handling `count` items, timed in CPU."""

    def __init__(self, label, size, count, old, fast):
        self.label, self.size, self.count, self.old, self.fast = label, size, count, old, fast
        self.best = {}

    def measure(self):
        """One round of each way, long enough (the call repeated, about 0.1 s) for the timer's resolution;
        the best round is kept."""
        for name, function in (("old", self.old), ("fast", self.fast)):
            start = time.process_time()
            function()
            repeat = max(1, int(0.1 / max(time.process_time() - start, 1e-6)))
            start = time.process_time()
            for _ in range(repeat):
                function()
            per_item = (time.process_time() - start) / repeat / self.count * 1e6
            self.best[name] = min(self.best.get(name, per_item), per_item)

    def line(self):
        old, fast = self.best["old"], self.best["fast"]
        return f"{self.label:<8}{self.size:>8.0f} B{old:>14.1f}{fast:>12.2f}{old / fast:>10.0f}x"


def message_case(kind, build, messages, batch):
    method = type(build(0)).__name__
    payloads = [bytes(build(n)) for n in range(messages)]
    batches = [fetch_result([(method, p) for p in payloads[i:i + batch]], is_first=False)
               for i in range(0, messages, batch)]
    old_results = [ProtoMessageFetchResult().parse(data) for data in batches]
    fast_results = [schema.FetchResult.FromString(data) for data in batches]
    decoder = Decoder("bench")
    out, old_out = [], []

    def old():
        old_out.clear()
        for result in old_results:
            for message in result.messages:
                decoded = reference.decode_message(message.method, message.payload, 0, result.is_first)
                if decoded is not None and decoded[0] is not None:
                    old_out.append(decoded)

    def fast():
        out.clear()
        for result in fast_results:
            decoder.relay(result, lambda event, message_id: out.append(event))

    old()
    fast()
    assert len(old_out) == len(out) == messages, (len(old_out), len(out))
    return Case(kind, sum(map(len, payloads)) / messages, messages, old, fast), batches


def frame_case(batches):
    """Per frame: push frame decode, gunzip, fetch-result decode (the messages stay undecoded) and the ack."""
    frames = [bytes(WebcastPushFrame(seq_id=n, log_id=n, payload_encoding="pb", payload_type="msg",
                                     headers=[PushHeader(key="compress_type", value="gzip")],
                                     payload=gzip.compress(data)))
              for n, data in enumerate(batches)]
    decoder = Decoder("bench")

    def old():
        for data in frames:
            frame = WebcastPushFrame().parse(data)
            result = extract_webcast_response_message(frame)
            bytes(WebcastPushFrame(payload_type="ack", payload_encoding="pb", log_id=frame.log_id,
                                   payload=(result.internal_ext or "-").encode()))

    def fast():
        for data in frames:
            frame, result = decoder.frame(data)
            ack_frame(frame.log_id, result.internal_ext)

    return Case("frame", sum(map(len, frames)) / len(frames), len(frames), old, fast)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="messages of each type")
    parser.add_argument("--batch", type=int, default=20, help="messages per fetch result (frame)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    cases = []
    for kind, build in (("chat", chat), ("gift", gift), ("like", like), ("member", member)):
        case, batches = message_case(kind, build, args.messages, args.batch)
        cases.append(case)
        if kind == "chat":
            frames = frame_case(batches)
    cases.append(frames)
    for _ in range(args.rounds):  # interleaved, so that a busy neighbour slows every case alike
        for case in cases:
            case.measure()

    print(f"protobuf backend: {schema.BACKEND}; CPU microseconds per message, best of {args.rounds} rounds")
    print(f"{'':<8}{'size':>10}{'TikTokLive':>14}{'fast':>12}{'ratio':>11}")
    for case in cases[:-1]:
        print(case.line())
    print(f"per frame of {args.batch} chat messages, gzipped (frame, gunzip, fetch result, ack):")
    print(cases[-1].line())


if __name__ == "__main__":
    main()
