"""Socket.IO clients for bench/throughput.py, in worker processes so that they are not the bottleneck.

`ClientPool(workers)` starts that many processes; each runs one asyncio loop holding any number of
python-socketio AsyncClients (WebSocket transport, as the dashboard connects). The bench sends each
worker a command and waits for every answer (`pool.run(command, **arguments)`).

A client that watches a creator does what a dashboard tab does (`emit('watch', {username})`, acked
`{ok: true}`) and notes, for each `live` event, its arrival; for chat reading "t=<ms> <n>" (the
simulator's floods) the latency (arrival - send time) and n, from which gaps are found.

So that a few processes can take 200 clients at 1,000 events a second each, `live` payloads are not
JSON-decoded: python-socketio is given a json module (`_LiveAsText`) that hands them over as text,
in which the events (`"seq":`) are counted and the flood chat found with a regular expression. All the
rest (handshake, acks, pings, other events) goes through python-socketio as usual.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import signal
import time
from collections import defaultdict
from dataclasses import dataclass, field

# A flood chat inside a `live` payload as python-socketio's server serialises it (separators "," and ":").
FLOOD_CHAT = re.compile(r'"comment":"t=(\d+) (\d+)"')
EVENT_KEY = '"seq":'  # one per event; inside JSON strings quotes are escaped, so it cannot occur there
MAX_LATENCY_SAMPLES = 200_000  # per worker, per collect


@dataclass
class Record:
    """What one client received since the last `mark`."""

    events: int = 0
    seen: set[int] = field(default_factory=set)  # flood chat n
    latencies: list[float] = field(default_factory=list)  # ms, flood chat only
    last_arrival: float = 0.0


class _LiveAsText:
    """A json module for python-socketio: `live` event packets stay text, everything else is decoded."""

    @staticmethod
    def dumps(obj, **kwargs):
        return json.dumps(obj, **kwargs)

    @staticmethod
    def loads(text, **kwargs):
        if isinstance(text, str) and text.startswith('["live",'):
            return ["live", text]
        return json.loads(text, **kwargs)


class _Client:
    def __init__(self, worker: _Worker, creator: str | None) -> None:
        import socketio

        self.creator = creator
        self.record = Record()
        self.sio = socketio.AsyncClient(reconnection=False, json=_LiveAsText)
        self._worker = worker
        self.sio.on("live", self._on_live)

    async def _on_live(self, text: str) -> None:
        now = time.time()
        record = self.record
        since = self._worker.since_ms
        record.events += text.count(EVENT_KEY)
        record.last_arrival = now
        now_ms = now * 1000
        for match in FLOOD_CHAT.finditer(text):
            sent_ms = int(match.group(1))
            if sent_ms >= since:
                record.seen.add(int(match.group(2)))
                record.latencies.append(now_ms - sent_ms)


class _Worker:
    """One worker process's clients and commands."""

    def __init__(self) -> None:
        self.clients: list[_Client] = []
        self.since_ms = 0.0

    async def open(self, url: str, count: int, creator: str | None = None, concurrency: int = 20,
                   timeout: float = 60.0) -> dict:
        """Connect `count` clients (and watch `creator`), `concurrency` at a time; they stay connected."""
        failures: list[str] = []
        started = time.monotonic()
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one() -> None:
            async with gate:
                client = _Client(self, creator)
                try:
                    await client.sio.connect(url, transports=["websocket"], wait_timeout=20)
                    if creator is not None:
                        answer = await client.sio.call("watch", {"username": creator}, timeout=20)
                        if not (isinstance(answer, dict) and answer.get("ok")):
                            raise RuntimeError(f"watch answered {answer!r}"[:200])
                    self.clients.append(client)
                except Exception as exc:  # counted and reported: a bench goes on
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                    await quietly(client.sio.disconnect())

        tasks = [asyncio.ensure_future(one()) for _ in range(count)]
        _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        failures += ["timed out"] * len(pending)
        return {"opened": count - len(failures), "failed": len(failures), "errors": failures[:3],
                "seconds": time.monotonic() - started}

    def mark(self, since_ms: float) -> dict:
        """Forget what was received; from now on count only flood chat sent at or after `since_ms`."""
        self.since_ms = since_ms
        for client in self.clients:
            client.record = Record()
        return {"clients": len(self.clients)}

    def progress(self) -> dict:
        """Per creator: its clients, the flood chat they received (summed), and the latest arrival."""
        seen: dict[str, int] = defaultdict(int)
        clients: dict[str, int] = defaultdict(int)
        last = 0.0
        for client in self.clients:
            seen[client.creator or ""] += len(client.record.seen)
            clients[client.creator or ""] += 1
            last = max(last, client.record.last_arrival)
        return {"seen": dict(seen), "clients": dict(clients), "lastArrival": last}

    def collect(self) -> dict:
        """Per creator: per-client flood chat (distinct n, lowest, highest, events) and latency samples."""
        out: dict[str, dict] = {}
        for client in self.clients:
            entry = out.setdefault(client.creator or "", {"clients": [], "latencies": []})
            seen = client.record.seen
            entry["clients"].append({
                "distinct": len(seen), "low": min(seen) if seen else None, "high": max(seen) if seen else None,
                "events": client.record.events,
            })
            entry["latencies"].extend(client.record.latencies)
        for entry in out.values():
            latencies = entry["latencies"]
            if len(latencies) > MAX_LATENCY_SAMPLES:
                step = len(latencies) / MAX_LATENCY_SAMPLES
                entry["latencies"] = [latencies[int(i * step)] for i in range(MAX_LATENCY_SAMPLES)]
        return out

    async def close(self) -> dict:
        clients, self.clients = self.clients, []
        await asyncio.gather(*(quietly(client.sio.disconnect()) for client in clients))
        return {"closed": len(clients)}

    async def churn(self, url: str, count: int, concurrency: int, timeout: float = 120.0) -> dict:
        """`count` connect-then-disconnect cycles, `concurrency` at a time."""
        import socketio

        gate = asyncio.Semaphore(max(1, concurrency))
        failures: list[str] = []
        started = time.monotonic()

        async def one() -> None:
            async with gate:
                sio = socketio.AsyncClient(reconnection=False)
                try:
                    await sio.connect(url, transports=["websocket"], wait_timeout=20)
                except Exception as exc:
                    failures.append(f"{type(exc).__name__}: {exc}"[:200])
                await quietly(sio.disconnect())

        tasks = [asyncio.ensure_future(one()) for _ in range(count)]
        _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        failures += ["timed out"] * len(pending)
        return {"done": count - len(failures), "failed": len(failures), "errors": failures[:3],
                "seconds": time.monotonic() - started}


async def quietly(awaitable) -> None:
    try:
        await asyncio.wait_for(awaitable, 10)
    except Exception:  # a client that cannot even disconnect cleanly changes no figure
        return


def _serve(connection, worker_class) -> None:
    """A worker process: run commands from the pipe on a `worker_class()` until it closes or says `stop`."""
    import logging

    logging.basicConfig(level=logging.ERROR)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the bench stops its workers through the pipe

    async def main() -> None:
        worker = worker_class()
        loop = asyncio.get_running_loop()
        while True:
            try:
                name, arguments = await loop.run_in_executor(None, connection.recv)
            except (EOFError, OSError):
                name, arguments = "stop", {}
            if name == "stop":
                await worker.close()
                return
            try:
                result = getattr(worker, name)(**arguments)
                if asyncio.iscoroutine(result):
                    result = await result
                connection.send(("ok", result))
            except Exception as exc:
                connection.send(("error", f"{type(exc).__name__}: {exc}"))

    asyncio.run(main())


class ClientPool:
    """`workers` client processes, each running a `worker_class` (its methods are the commands)."""

    def __init__(self, workers: int = 3, worker_class=None, name: str = "bench-clients") -> None:
        context = multiprocessing.get_context("spawn")
        self._pipes = []
        self.processes = []
        for index in range(workers):
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs, worker_class or _Worker),
                                      name=f"{name}-{index}", daemon=True)
            process.start()
            self._pipes.append(ours)
            self.processes.append(process)

    @property
    def size(self) -> int:
        return len(self._pipes)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def split(self, total: int) -> list[int]:
        """`total` shared out over the workers as evenly as can be."""
        return [total // self.size + (1 if index < total % self.size else 0) for index in range(self.size)]

    def run(self, command: str, per_worker: list[dict] | None = None, timeout: float = 300, **arguments) -> list:
        """Send `command` to every worker (with `per_worker[i]` merged into worker i's arguments) and
        return their answers, in worker order."""
        for index, pipe in enumerate(self._pipes):
            pipe.send((command, {**arguments, **(per_worker[index] if per_worker else {})}))
        replies = []
        for index, pipe in enumerate(self._pipes):  # every one, so that none is left for the next command
            if not pipe.poll(timeout):
                raise RuntimeError(f"client worker {index} did not answer {command} within {timeout:g} s")
            replies.append(pipe.recv())
        failed = [value for status, value in replies if status != "ok"]
        if failed:
            raise RuntimeError(f"client worker failed on {command}: {failed[0]}")
        return [value for _, value in replies]

    def close(self) -> None:
        for pipe in self._pipes:
            try:
                pipe.send(("stop", {}))
            except OSError:
                continue
        for process in self.processes:
            process.join(timeout=15)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
