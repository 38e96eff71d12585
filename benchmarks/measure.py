"""Measuring tools for benchmarks/poll.py: timing, event-loop lag, bytes on the wire, deep sizes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import fields, is_dataclass
import gc
import statistics
import sys
import time
from types import TracebackType
from typing import Any, Self

# Asleep for this long between two looks at the clock: the lag's resolution.
LAG_TICK = 0.001


def median(values: list[float]) -> float:
    """Return the median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


async def timed_ms(operation: Callable[[], Awaitable[object]]) -> float:
    """Await ``operation()`` starting from a collected heap; return how long it took in ms."""
    gc.collect()
    start = time.perf_counter()
    await operation()
    return (time.perf_counter() - start) * 1000


class LoopLagMonitor:
    """The longest stretch the event loop could not run a ready callback, while active.

    A task asks to wake every ``LAG_TICK`` seconds and records how late it woke: whatever
    blocked the loop meanwhile (a long callback, or another thread holding the GIL) shows
    up as lateness, within about one tick.
    """

    def __init__(self) -> None:
        self.max_lag = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        loop = asyncio.get_running_loop()
        self.max_lag = 0.0
        self._task = loop.create_task(self._watch())
        await asyncio.sleep(0)  # let the watcher start before what is measured
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await asyncio.sleep(0)  # a late wake-up right at the end still counts
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    @property
    def max_lag_ms(self) -> float:
        """The longest lateness seen, in milliseconds."""
        return self.max_lag * 1000

    async def _watch(self) -> None:
        clock = time.perf_counter
        while True:
            due = clock() + LAG_TICK
            await asyncio.sleep(LAG_TICK)
            self.max_lag = max(self.max_lag, clock() - due)


class ByteCountingRelay:
    """A TCP relay on 127.0.0.1 that counts every byte passing through it, both ways."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pumps: set[asyncio.Task[None]] = set()
        self.sent = 0  # client to server
        self.received = 0  # server to client

    @property
    def total(self) -> int:
        """Bytes counted both ways since the last reset."""
        return self.sent + self.received

    def reset(self) -> None:
        """Start counting from zero."""
        self.sent = self.received = 0

    @property
    def port(self) -> int:
        """The port the relay listens on."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> Self:
        """Listen on a free port."""
        self._server = await asyncio.start_server(self._on_client, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        """Stop listening and close every relayed connection."""
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
        await self._server.wait_closed()

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self._target)
        self._writers.update((writer, server_writer))
        pumps = (
            asyncio.create_task(self._pump(reader, server_writer, outgoing=True)),
            asyncio.create_task(self._pump(server_reader, writer, outgoing=False)),
        )
        self._pumps.update(pumps)
        await asyncio.gather(*pumps, return_exceptions=True)
        self._pumps.difference_update(pumps)
        for each in (writer, server_writer):
            self._writers.discard(each)
            each.close()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, outgoing: bool
    ) -> None:
        try:
            while data := await reader.read(1 << 16):
                if outgoing:
                    self.sent += len(data)
                else:
                    self.received += len(data)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            if writer.can_write_eof():
                with contextlib.suppress(OSError):
                    writer.write_eof()


def deep_sizeof(root: object) -> int:
    """Bytes held by ``root`` and every distinct object it reaches (classes and singletons aside).

    Containers, dataclasses (slotted or not) and named tuples are followed; an object reached
    twice (an interned string, a shared float) counts once.
    """
    seen: set[int] = set()
    total = 0
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if obj is None or obj is True or obj is False or isinstance(obj, type) or id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            stack.extend(obj)
        elif is_dataclass(obj):
            stack.extend(getattr(obj, field.name) for field in fields(obj))
            if hasattr(obj, "__dict__"):
                stack.append(vars(obj))
    return total
