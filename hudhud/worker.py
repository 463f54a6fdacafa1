"""Workers: read jobs from the Redis stream, run turns, and make sure each is answered once.

How a job moves (docs/architecture.md has the full story):
- XREADGROUP hands a job to one worker; it is ACKed only when its work is done and recorded.
- While a job runs, its worker renews it (XCLAIM JUSTID resets its idle time) and the conversation
  lease. A job idle for 2 leases belongs to a dead worker: XAUTOCLAIM hands it to a live one.
- A message job runs its conversation: take the lease, run the current (or next) turn covering every
  message in the inbox, send the reply through the outbox, finish atomically, repeat while messages
  keep arriving. A job whose conversation is leased by someone else is ACKed at once: the holder's own
  pending job makes it responsible for every message in the inbox, also if it dies.
- Failures leave the job pending; it is retried when reclaimed, and after `max_attempts` deliveries
  (from the pending list) or turn attempts it moves to the dead-letter stream with its error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import orjson
import redis.asyncio as aioredis
import structlog
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, ResponseError

from base.bots import BotRegistry
from base.catalog import t
from base.channel import Channel
from base.drafts import Drafts, using_drafts
from base.keys import Keys
from base.notes import TurnNotes, inspect_turn, taking_notes
from base.readahead import reading_ahead, turn_reads
from base.responder import FAILURE_REPLY, TIMEOUT_REPLY, UNSUPPORTED_REPLY, Responder
from base.sealing import Sealer, aad_entry, aad_inbox, aad_turn, seal, unseal
from base.turn import InboundMessage, ReplyPart, TextPart, Turn, UserRef, make_turn_id, trace_id
from channels.whatsapp.errors import GraphError
from channels.whatsapp.pool import MessengerPool
from hudhud import metrics
from hudhud.abuse import AbuseGuard, notice_language
from hudhud.aggregates import Aggregates, latency_fields
from hudhud.deadletters import DeadLetters
from hudhud.delivery import Delivery
from hudhud.drafts import DraftStore
from hudhud.handoff import Handoff
from hudhud.interactions import PAUSED, InteractionLog, outcome_of
from hudhud.leases import LeaseLost, Leases
from hudhud.log_privacy import private
from hudhud.outbox import Outbox, PartRecord, PartState
from hudhud.reads import Reads
from hudhud.redis_watch import RedisWatch
from hudhud.statuses import StatusHandler
from hudhud.undelivered import Failure

log = structlog.get_logger(__name__)

_FINISH = resources.files("hudhud").joinpath("conversation.lua").read_text()


@dataclass
class WorkerOptions:
    lease_ms: int = 30_000
    concurrency: int = 8
    max_attempts: int = 5
    turn_timeout_s: float = 120.0
    block_ms: int = 1_000
    events_maxlen: int = 10_000
    outbox_ttl_s: int = 8 * 86400
    dead_maxlen: int = 10_000
    dead_retention_s: float = 30 * 86400
    name: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}")

    @property
    def reclaim_idle_ms(self) -> int:
        # Twice the lease: a dead worker's conversation lease has surely expired by the time its job
        # is reclaimed, so the reclaimer can take the conversation over.
        return 2 * self.lease_ms


@dataclass
class _Running:
    entry_id: str
    leases: dict[str, str] = field(default_factory=dict)  # lease key -> token
    acked: bool = False  # ACKed with its conversation's release (conversation.lua)
    task: asyncio.Task[None] = field(init=False)  # the job's task, which is given this record


class TurnFailed(RuntimeError):
    pass


class Worker:
    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        keys: Keys,
        responder: Responder,
        bots: BotRegistry,
        messengers: MessengerPool,
        channels: Mapping[str, Channel],
        delivery: Delivery,
        watch: RedisWatch,
        options: WorkerOptions,
        interactions: InteractionLog,
        aggregates: Aggregates,
        guard: AbuseGuard | None = None,
        sealer: Sealer | None = None,
    ) -> None:
        self.redis = redis
        self.sealer = sealer
        self.keys = keys
        self.responder = responder
        self.bots = bots
        self.messengers = messengers
        self.channels = channels
        self.delivery = delivery
        self.outbox: Outbox = delivery.outbox
        self.watch = watch
        self.options = options
        self.guard = guard
        self.interactions = interactions
        self.aggregates = aggregates
        self.leases = Leases(redis, options.lease_ms)
        self.handoff = Handoff(redis, keys)
        self.drafts = DraftStore(redis, keys)
        self.statuses = StatusHandler(
            redis, keys, delivery, events_maxlen=options.events_maxlen, aggregates=aggregates
        )
        self._slots = asyncio.Semaphore(options.concurrency)
        self._running: dict[str, _Running] = {}
        self._stopping = asyncio.Event()
        self._closed = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    async def ensure_group(self) -> bool:
        """Create the consumer group unless it exists; True when this call created it. From id 0, so
        jobs queued before it existed (after Redis lost its data, say) are read too."""
        try:
            await self.redis.xgroup_create(self.keys.inbound, self.keys.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
            return False
        return True

    async def _recover_group(self) -> None:
        """The group vanished under us (Redis restarted empty, or flushed): say so and recreate it."""
        await self.watch.check()
        if await self.ensure_group():
            metrics.GROUP_RECREATED.inc()
            log.error("worker group was missing; recreated", name=self.options.name)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Work until stop(); then let running turns finish (their jobs stay pending if cut short)."""
        await self.ensure_group()
        log.info("worker started", name=self.options.name, concurrency=self.options.concurrency)
        # The loops end on their own when told to (no cancellation): a cancelled Redis call can leave
        # its connection in an unknown state.
        intake = [
            asyncio.create_task(self._read_loop(), name="read"),
            asyncio.create_task(
                self._every(self.options.lease_ms / 2000, self._housekeeping, self._stopping),
                name="housekeeping",
            ),
        ]
        renew = asyncio.create_task(
            self._every(self.options.lease_ms / 3000, self._renew, self._closed), name="renew"
        )
        try:
            await self._stopping.wait()
        finally:
            self._stopping.set()
            await asyncio.gather(*intake, return_exceptions=True)
            running = [r.task for r in self._running.values()]
            if running:
                await asyncio.wait(running, timeout=self.options.turn_timeout_s)
            self._closed.set()
            await asyncio.gather(renew, return_exceptions=True)
            log.info("worker stopped", name=self.options.name)

    async def _every(
        self, interval: float, action: Callable[[], Awaitable[object]], until: asyncio.Event
    ) -> None:
        while not until.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(until.wait(), interval)
                return
            try:
                await action()
            except (RedisError, OSError) as exc:
                log.warning("periodic task failed", task=getattr(action, "__name__", "?"), error=str(exc))

    async def _read_loop(self) -> None:
        while not self._stopping.is_set():
            free = await self._free_slots()
            try:
                reply = await self.redis.xreadgroup(
                    self.keys.group,
                    self.options.name,
                    {self.keys.inbound: ">"},
                    count=free,
                    block=self.options.block_ms,
                )
            except (RedisError, OSError) as exc:
                self._release_slots(free)
                if isinstance(exc, ResponseError) and _no_group(exc):
                    with contextlib.suppress(RedisError, OSError):  # Redis down again: next round
                        await self._recover_group()
                        continue
                log.warning("read failed; retrying", error=str(exc))
                await asyncio.sleep(min(1.0, self.options.block_ms / 1000))
                continue
            entries = reply[0][1] if reply else []
            self._release_slots(free - len(entries))
            for entry_id, fields in entries:
                self._start(_decode(entry_id), fields, deliveries=1)

    async def _free_slots(self) -> int:
        """Wait for at least one free slot, then take every free slot (returned unless used)."""
        await self._slots.acquire()
        taken = 1
        while not self._slots.locked():
            await self._slots.acquire()
            taken += 1
        return taken

    def _release_slots(self, n: int) -> None:
        for _ in range(n):
            self._slots.release()

    def _start(self, entry_id: str, fields: dict[bytes, bytes] | None, deliveries: int) -> None:
        running = _Running(entry_id)
        running.task = asyncio.create_task(self._handle(running, fields, deliveries), name=entry_id)
        self._running[entry_id] = running

    async def _renew(self) -> None:
        """Renew every running job and lease in two round trips (called three times per lease)."""
        running = list(self._running.values())
        if not running:
            return
        await self.redis.xclaim(
            self.keys.inbound,
            self.keys.group,
            self.options.name,
            min_idle_time=0,
            message_ids=[r.entry_id for r in running],
            justid=True,
        )
        owned = await self.leases.renew({k: t for r in running for k, t in r.leases.items()})
        for r in running:
            if any(not owned.get(k, True) for k in r.leases):
                # We stalled past the lease and another worker took the conversation over: stop,
                # so that no turn runs twice at once.
                log.error("lease lost; abandoning turn", entry=r.entry_id)
                r.task.cancel()

    async def _housekeeping(self) -> None:
        if await self.watch.check():
            await self._recover_group()
        await self.reclaim()
        await self._trim_dead()
        await self.interactions.trim()

    async def _trim_dead(self) -> None:
        o = self.options
        await DeadLetters(self.redis, self.keys, self.sealer).trim(
            maxlen=o.dead_maxlen, retention_s=o.dead_retention_s
        )

    async def reclaim(self) -> int:
        """Take over jobs of dead workers (idle beyond the reclaim threshold)."""
        # Waits while the reader holds the free slots in its blocking read (at most block_ms).
        free = await self._free_slots()
        used = 0
        try:
            reply = await self.redis.xautoclaim(
                self.keys.inbound,
                self.keys.group,
                self.options.name,
                min_idle_time=self.options.reclaim_idle_ms,
                start_id="0-0",
                count=free,
            )
            # Redis 6.2 answers [next, entries]; 7.x adds a list of deleted ids.
            entries = reply[1] if len(reply) > 1 else []
            for entry_id, fields in entries:
                eid = _decode(entry_id)
                if eid in self._running:
                    continue
                pending = await self.redis.xpending_range(
                    self.keys.inbound, self.keys.group, min=eid, max=eid, count=1
                )
                deliveries = int(pending[0]["times_delivered"]) if pending else 1
                used += 1
                metrics.RECLAIMED.inc()
                log.warning("reclaimed job of a dead worker", entry=eid, deliveries=deliveries)
                self._start(eid, fields, deliveries)
        finally:
            # A Redis error here (down, or emptied: NOGROUP) must not keep the slots: the reader would
            # wait for them forever and the worker would answer nothing again.
            self._release_slots(free - used)
        return used

    # ------------------------------------------------------------------ jobs

    async def _handle(self, running: _Running, fields: dict[bytes, bytes] | None, deliveries: int) -> None:
        eid = running.entry_id
        try:
            if not fields:  # deleted from the stream meanwhile: nothing left to do
                await self._ack(eid)
                return
            kind = fields.get(b"kind", b"").decode()
            if deliveries > self.options.max_attempts:
                await self._dead_letter_job(running, fields, deliveries)
            elif kind == "message":
                await self._run_conversation(running, fields[b"conv"].decode(), deliveries)
            elif kind == "status":
                await self._run_status(fields)
            else:
                log.error("unknown job kind; dead-lettered", entry=eid, kind=kind)
                await self._dead_letter(eid, fields, f"unknown job kind {kind!r}", deliveries)
            if not running.acked:
                await self._ack(eid)
        except asyncio.CancelledError:
            log.warning("job cancelled; left pending for reclaim", entry=eid)
        except LeaseLost:
            metrics.JOB_FAILURES.inc()
            log.warning("lease lost mid-turn; changed nothing more, left pending for reclaim", entry=eid)
        except Exception as exc:  # the job stays pending: reclaimed and retried after the idle time
            metrics.JOB_FAILURES.inc()
            log.exception("job failed; will be retried", entry=eid, deliveries=deliveries, error=str(exc))
        finally:
            self._running.pop(eid, None)
            self._slots.release()

    async def _ack(self, entry_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.keys.inbound, self.keys.group, entry_id)
            pipe.xdel(self.keys.inbound, entry_id)
            await pipe.execute()

    async def _run_status(self, fields: dict[bytes, bytes]) -> None:
        status = orjson.loads(fields[b"data"])
        pnid = str(status.get("phone_number_id", ""))
        await self.statuses.handle(status, self.messengers.for_number(pnid))

    async def _run_conversation(self, running: _Running, conv: str, deliveries: int) -> None:
        k = self.keys
        lease_key = k.lease(conv)
        token = uuid.uuid4().hex
        # The lease, and the turn and inbox its first turn reads, in one round trip: read after the SET,
        # they are what a read once the lease is ours would see (see _run_turn); unused if not acquired.
        async with self.redis.pipeline(transaction=False) as pipe:
            self.leases.queue_acquire(pipe, lease_key, token)
            pipe.get(k.current_turn(conv))
            pipe.lrange(k.inbox(conv), 0, -1)
            acquired, raw, queued = await pipe.execute()
        if not acquired:
            metrics.MERGED.inc()
            return  # the holder is responsible for this message (see module docstring)
        running.leases[lease_key] = token
        dead: list[tuple[dict[str, Any], list[InboundMessage]]] = []  # dead-lettered turns of this run
        try:
            queued_ms = int(running.entry_id.split("-", 1)[0])  # the stream id: Redis's clock at XADD
            more = await self._run_turn(
                conv, token, deliveries, queued_ms, dead=dead, running=running, read=(raw, queued)
            )
            while more:  # later turns of this run are fresh: the job's delivery count is not theirs
                more = await self._run_turn(conv, token, 1, dead=dead, running=running)
        except BaseException:
            running.leases.pop(lease_key, None)
            with contextlib.suppress(RedisError, OSError):
                await self.leases.release(lease_key, token)
            raise
        running.leases.pop(lease_key, None)
        # Told once the turns are finished and the lease is released: a crash while telling people
        # never dead-letters a turn twice, and no one else's turn waits for the notice.
        for record, messages in dead:
            await self._dead_reply_undelivered(record, messages)

    async def _run_turn(
        self,
        conv: str,
        token: str,
        deliveries: int,
        queued_ms: int | None = None,
        *,
        dead: list[tuple[dict[str, Any], list[InboundMessage]]],
        running: _Running | None = None,
        read: tuple[bytes | None, list[bytes]] | None = None,
    ) -> bool:
        """Run the conversation's current turn (or assemble the next); True when more messages wait.
        A turn dead-lettered here is added to `dead`. `running`: the job, ACKed with the release when
        this turn ends the run (running.acked tells). `read`: the turn and inbox, read with the lease."""
        k = self.keys
        # The turn in progress and the inbox in one round trip. The turn's messages are a prefix of the
        # inbox read here and stay so while the lease is ours: the webhook only appends to it, and only
        # the lease holder trims it (conversation.lua); _write_turn below checks the lease is still ours.
        if read is None:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.get(k.current_turn(conv))
                pipe.lrange(k.inbox(conv), 0, -1)
                read = await pipe.execute()
        raw, queued = read
        if raw:
            record = orjson.loads(unseal(self.sealer, raw, aad_turn(conv)))
            inbox = [unseal(self.sealer, m, aad_inbox(conv)) for m in queued[: int(record["count"])]]
        else:
            inbox = [unseal(self.sealer, m, aad_inbox(conv)) for m in queued]
            if not inbox:
                # Release atomically with a last look at the inbox: a message pushed meanwhile was
                # ACKed by a worker that saw our lease, so it is ours to answer.
                return await self._finish_turn(conv, token, 0, ack=running if not dead else None)
            ids = [orjson.loads(m)["id"] for m in inbox]
            record = {"turn_id": make_turn_id(ids), "count": len(ids), "attempts": 0, "errors": []}
        record["attempts"] += 1
        count = int(record["count"])
        try:
            messages = [InboundMessage.model_validate_json(m) for m in inbox[:count]]
        except Exception:
            # The attempt is counted as when the write came first: a message that never parses ends in
            # the dead letters after max_attempts, never retried forever.
            await self._write_turn(conv, token, record)
            raise
        # A job delivered too often dead-letters the turn it kept failing on, never a fresh one.
        if record["attempts"] > self.options.max_attempts or (raw and deliveries > self.options.max_attempts):
            await self._write_turn(conv, token, record)
            await self._dead_letter_turn(conv, record, messages)
            dead.append((record, messages))
            entry = self._log_entry(conv, record, messages, "dead", 0.0, error=(record["errors"] or [""])[-1])
        else:
            reads = await self._write_turn(
                conv, token, record, reading=messages[0].wa_id if messages else None
            )
            started = time.perf_counter()
            wait_ms = time.time() * 1000 - queued_ms if queued_ms is not None else None
            traced = structlog.contextvars.bound_contextvars(**_trace_of(record, messages))
            with taking_notes() as notes:  # what the router, agent and tools did (base/notes.py)
                try:
                    with traced:  # every line of this turn, down to the tools' HTTP calls, names its trace
                        status, records = await self._answer(conv, record, messages, queued_ms, reads or None)
                except Exception as exc:
                    record["errors"] = [*record["errors"][-4:], f"{type(exc).__name__}: {exc}"]
                    if isinstance(exc, GraphError):  # what the operator is told if the turn is dead-lettered
                        record["graph"] = [exc.code, exc.http_status]
                    with contextlib.suppress(LeaseLost):  # the new holder keeps its own record
                        await self._write_turn(conv, token, record)
                    await self._log_turn(
                        conv, record, messages, "retry", time.perf_counter() - started,
                        notes=notes, error=record["errors"][-1], wait_ms=wait_ms,
                    )  # fmt: skip
                    raise
            entry = self._log_entry(
                conv, record, messages, status, time.perf_counter() - started,
                notes=notes, records=records, wait_ms=wait_ms,
            )  # fmt: skip
        # The log, the aggregates and the finish (with the ACK when the run ends here) in one round trip.
        # A job with a dead-lettered turn is ACKed only after its notices (_run_conversation).
        return await self._finish_turn(conv, token, count, ack=running if not dead else None, log=entry)

    async def _write_turn(
        self, conv: str, token: str, record: dict[str, Any], *, reading: str | None = None
    ) -> list[Any]:
        """The turn in progress, encrypted (its errors may quote the user), while the lease is ours.

        `reading` (the user's wa_id): in the same round trip, after the write, every read the answer
        makes before it runs the responders (_answer_reads); their answers are returned, a failed read
        as its exception (raised by _answer, where a failure is logged as the turn's)."""
        k = self.keys
        value = seal(self.sealer, orjson.dumps(record), aad_turn(conv))
        if reading is None:
            await self.leases.write(k.lease(conv), token, k.current_turn(conv), value)
            return []
        asked = self._answer_reads(record["turn_id"], reading)
        async with self.redis.pipeline(transaction=False) as pipe:
            self.leases.queue_write(pipe, k.lease(conv), token, k.current_turn(conv), value)
            asked.queue(pipe)
            written, read = await pipe.execute(raise_on_error=False)
        if isinstance(written, Exception):
            raise written
        if not written:
            raise LeaseLost(k.lease(conv))
        return asked.answers(read)

    def _answer_reads(self, turn_id: str, wa_id: str) -> Reads:
        """Every read before the answer, for its caller's round trip, in one script (hudhud/reads.py):
        the outbox (a retried turn sends what was recorded), the handoff, the guard's state and what the
        responders will read (base/readahead.py). On a retried or paused turn the rest is read for
        nothing: microseconds."""
        reads = Reads().hgetall(self.keys.outbox(turn_id)).hgetall(self.keys.handoff(wa_id))
        if self.guard:
            self.guard.read_state(reads, wa_id)
        for command, key in turn_reads(self.keys, wa_id):
            getattr(reads, command)(key)
        return reads

    async def _finish_turn(
        self,
        conv: str,
        token: str,
        covered: int,
        *,
        ack: _Running | None = None,
        log: Callable[[Pipeline], None] | None = None,
    ) -> bool:
        """Drop the covered messages atomically (conversation.lua); True when more are waiting. `ack`: the
        job, ACKed and deleted with the release when nothing is waiting. `log`: the turn's log lines,
        written in the same round trip, before."""
        k = self.keys
        keys = [k.inbox(conv), k.current_turn(conv), k.lease(conv)]
        args: list[str | int] = [covered, token]
        if ack is not None:
            keys.append(k.inbound)
            args += [k.group, ack.entry_id]
        async with self.redis.pipeline(transaction=False) as pipe:
            if log is not None:
                log(pipe)
            # The script whole (EVAL): redis-py's scripts in a pipeline cost a SCRIPT EXISTS round trip.
            pipe.eval(_FINISH, len(keys), *keys, *args)
            *logged, more = await pipe.execute(raise_on_error=False)
        if isinstance(more, Exception):
            raise more
        if more == -1:
            raise LeaseLost(k.lease(conv))
        if ack is not None and more == 0:
            ack.acked = True
        for failed in logged:  # the turn is finished; a log that failed fails the job as before
            if isinstance(failed, Exception):
                raise failed
        return bool(more)

    async def _answer(
        self,
        conv: str,
        record: dict[str, Any],
        messages: list[InboundMessage],
        queued_ms: int | None = None,
        reads: list[Any] | None = None,
    ) -> tuple[str, list[PartRecord]]:
        """`reads`: the answers to _answer_reads, taken with the turn's write; read here when None."""
        first = messages[0]
        bot = self.bots.get(first.phone_number_id)
        channel = self.channels.get(first.channel)
        if channel is None:  # queued by an adapter this process does not run: retried, then dead-lettered
            raise TurnFailed(f"no channel {first.channel!r} in this process")
        profile = bot.profile if bot else "default"
        drafts: Drafts | None = None  # a real user's turn never runs with a draft
        if getattr(channel, "inspects", False):  # the admin's playground (hudhud/playground.py)
            inspect_turn()  # the agent's trace keeps what the model was given
            profile = str(first.extra.get("profile") or profile)
            drafts = await self.drafts.load()  # the prompts and tool descriptions being tried there
        turn = Turn(
            turn_id=record["turn_id"],
            message_ids=[m.id for m in messages],
            messages=messages,
            user=UserRef(
                wa_id=first.wa_id, name=next((m.sender_name for m in messages if m.sender_name), None)
            ),
            phone_number_id=first.phone_number_id,
            profile=profile,
            attempt=int(record["attempts"]),
            channel=channel.name,
            limits=channel.limits,
        )
        wa_id = turn.user.wa_id
        if reads is None:
            asked = self._answer_reads(turn.turn_id, wa_id)
            async with self.redis.pipeline(transaction=False) as pipe:
                asked.queue(pipe)
                reads = asked.answers((await pipe.execute(raise_on_error=False))[0])
        for failed in reads:
            if isinstance(failed, Exception):
                raise failed
        raw_outbox, raw_pause, *answers = reads
        guarded = self.guard.state_size if self.guard else 0
        state, ahead = answers[:guarded], answers[guarded:]
        records = self.outbox.loaded(turn.turn_id, raw_outbox)
        status = "ok"
        if records is None and Handoff.pause_of(raw_pause):
            # A person answers this user (hudhud/handoff.py): the turn is recorded, nothing is sent.
            records = await self.outbox.record(turn.turn_id, [], conv=conv)
            status = PAUSED
        elif records is None:
            # Only a fresh turn asks the responder: a retried one sends what was recorded.
            with contextlib.suppress(Exception):
                await channel.seen(turn.phone_number_id, messages[-1].id)
            keys = [key for _, key in turn_reads(self.keys, wa_id)]
            # The guard runs inside the reads too: its check of the link may re-ask the core API and
            # unlink the number, which forgets the link read ahead — the responders then read Redis.
            with reading_ahead(dict(zip(keys, ahead, strict=True))):
                verdict = (
                    await self.guard.check(turn, conv, queued_ms=queued_ms, state=state)
                    if self.guard
                    else None
                )
                if verdict is not None:  # abuse control: decided before any model call
                    metrics.LIMITED.labels(reason=verdict.status).inc()
                    parts = (
                        [TextPart(text=t(verdict.reply, notice_language(turn.text)))] if verdict.reply else []
                    )
                    status = verdict.status
                else:
                    # the user's words stay out of every log line
                    with private(m.text for m in messages), using_drafts(drafts):
                        parts, status = await self._respond(turn)
            records = await self.outbox.record(turn.turn_id, channel.fit(parts), conv=conv)
        sender = channel.sender(turn.phone_number_id)
        lost = await self.delivery.send(
            sender, turn.phone_number_id, turn.user.wa_id, turn.turn_id, records, conv
        )
        if lost and self.delivery.undelivered is not None:
            await self.delivery.undelivered.report(
                sender,
                phone_number_id=turn.phone_number_id,
                wa_id=turn.user.wa_id,
                turn_id=turn.turn_id,
                messages=messages,
                failure=Failure.refused(lost[0]),
            )
        metrics.TURNS.labels(status=status).inc()
        return status, records

    async def _respond(self, turn: Turn) -> tuple[list[ReplyPart], str]:
        if all(m.extra.get("outcome") == "reply_unsupported" for m in turn.messages):
            return [TextPart(text=UNSUPPORTED_REPLY)], "unsupported"
        try:
            async with asyncio.timeout(self.options.turn_timeout_s):
                parts = list(await self.responder.respond(turn))
            status = "ok"
        except TimeoutError:
            log.warning("turn timed out", turn_id=turn.turn_id)
            parts, status = [TextPart(text=TIMEOUT_REPLY)], "timeout"
        except Exception as exc:
            # Never silence, never a stack trace to the user: an honest short reply, recorded as failed.
            log.exception("responder failed", turn_id=turn.turn_id, error=str(exc))
            parts, status = [TextPart(text=FAILURE_REPLY)], "failed"
        return parts, status

    async def _log_turn(
        self,
        conv: str,
        record: dict[str, Any],
        messages: list[InboundMessage],
        status: str,
        seconds: float,
        *,
        notes: TurnNotes | None = None,
        records: Sequence[PartRecord] = (),
        error: str = "",
        wait_ms: float | None = None,
    ) -> None:
        """One attempt of a turn into the interaction log, the per-minute aggregates and the metrics."""
        entry = self._log_entry(
            conv, record, messages, status, seconds,
            notes=notes, records=records, error=error, wait_ms=wait_ms,
        )  # fmt: skip
        async with self.redis.pipeline(transaction=False) as pipe:
            entry(pipe)
            await pipe.execute()

    def _log_entry(
        self,
        conv: str,
        record: dict[str, Any],
        messages: list[InboundMessage],
        status: str,
        seconds: float,
        *,
        notes: TurnNotes | None = None,
        records: Sequence[PartRecord] = (),
        error: str = "",
        wait_ms: float | None = None,
    ) -> Callable[[Pipeline], None]:
        """`_log_turn`'s writes, to be queued on a pipeline (the metrics are counted now)."""
        metrics.TURN_SECONDS.observe(seconds)
        entry = dict(
            conv=conv,
            turn_id=record["turn_id"],
            attempt=int(record["attempts"]),
            messages=messages,
            status=status,
            seconds=seconds,
            notes=notes,
            parts=[r.part for r in records],
            error=error,
            wait_ms=wait_ms,
            trace_id=trace_id(messages[-1].id) if messages else "",
        )
        counts = _turn_counts(status, seconds, messages, records, notes)

        def queue(pipe: Pipeline) -> None:
            self.interactions.queue(pipe, **entry)
            self.aggregates.queue(pipe, counts)

        return queue

    # ------------------------------------------------------------------ dead letters

    async def _dead_letter(
        self, entry_id: str, fields: dict[bytes, bytes], error: str, deliveries: int
    ) -> None:
        metrics.DEAD_LETTERS.inc()
        await self.aggregates.add({"dead": 1})
        conv = fields.get(b"conv", b"").decode()
        sealed = seal(self.sealer, error, aad_entry("dead", conv, "", "error"))
        await self.redis.xadd(
            self.keys.dead,
            {**fields, b"entry": entry_id, b"error": sealed, b"deliveries": deliveries, b"ts": time.time()},
        )
        await self._trim_dead()

    async def _dead_letter_job(self, running: _Running, fields: dict[bytes, bytes], deliveries: int) -> None:
        if fields.get(b"kind") == b"message":
            # The conversation's turn goes to the dead letters with its messages (never lost).
            await self._run_conversation(running, fields[b"conv"].decode(), deliveries)
        else:
            await self._dead_letter(running.entry_id, fields, "too many failed deliveries", deliveries)

    async def _dead_letter_turn(
        self, conv: str, record: dict[str, Any], messages: list[InboundMessage]
    ) -> None:
        log.error("turn dead-lettered", conv=conv, turn_id=record["turn_id"], errors=record["errors"])
        metrics.DEAD_LETTERS.inc()
        await self.aggregates.add({"dead": 1})
        turn_id = record["turn_id"]
        error = (record["errors"] or ["too many failed deliveries"])[-1]
        body = orjson.dumps([m.model_dump(mode="json") for m in messages])
        await self.redis.xadd(
            self.keys.dead,
            {
                "kind": "turn",
                "conv": conv,
                "turn_id": turn_id,
                "error": seal(self.sealer, error, aad_entry("dead", conv, turn_id, "error")),
                "attempts": record["attempts"],
                "messages": seal(self.sealer, body, aad_entry("dead", conv, turn_id, "messages")),
                "ts": time.time(),
            },
        )
        await self._trim_dead()

    async def _dead_reply_undelivered(self, record: dict[str, Any], messages: list[InboundMessage]) -> None:
        """A dead-lettered turn whose reply was recorded but not all sent: tell the operator and the user."""
        undelivered = self.delivery.undelivered
        if undelivered is None or not messages:
            return
        records = await self.outbox.load(record["turn_id"])
        if not records or all(r.done for r in records):
            return  # failed before a reply existed, or after all of it went out: nothing undelivered
        first = messages[0]
        channel = self.channels.get(first.channel)
        code, http_status = record.get("graph") or (None, None)
        await undelivered.report(
            channel.sender(first.phone_number_id) if channel else None,
            phone_number_id=first.phone_number_id,
            wa_id=first.wa_id,
            turn_id=record["turn_id"],
            messages=messages,
            failure=Failure("dead_letter", code, http_status),
        )


def _trace_of(record: dict[str, Any], messages: list[InboundMessage]) -> dict[str, Any]:
    """What every log line of a turn carries: its trace (the newest message's; all of them when the turn
    answers several) and its turn id."""
    bound: dict[str, Any] = {"turn_id": record["turn_id"]}
    if messages:
        bound["trace_id"] = trace_id(messages[-1].id)
    if len(messages) > 1:
        bound["traces"] = [trace_id(m.id) for m in messages]
    return bound


def _turn_counts(
    status: str,
    seconds: float,
    messages: list[InboundMessage],
    records: Sequence[PartRecord],
    notes: TurnNotes | None,
) -> dict[str, float]:
    """What one attempt adds to its minute (hudhud/aggregates.py) and to the Prometheus metrics."""
    outcome = outcome_of(status, notes)
    counts: dict[str, float] = {"turns": 1, f"outcome:{outcome}": 1}
    if outcome == "error":
        counts["errors"] = 1
    if status in ("retry", "dead"):
        return counts  # not answered (yet): no message, path or latency of its own
    if outcome == "handoff":  # a person answers: the messages came in, the bot replied nothing
        counts["msg_in"] = len(messages)
        return counts
    path = notes.path if notes is not None else "other"
    counts[f"turns:{path}"] = 1
    counts.update(latency_fields(path, seconds))
    metrics.REPLY_SECONDS.labels(path=path).observe(seconds)
    counts["msg_in"] = len(messages)
    for m in messages:
        counts[f"msg_in:{m.type}"] = counts.get(f"msg_in:{m.type}", 0) + 1
    sent = sum(1 for r in records if r.state in (PartState.sent, PartState.fallback))
    counts["msg_out"] = sent
    counts["msg_out_failed"] = len(records) - sent
    if outcome == "limited":
        counts["limited"] = 1
        counts[f"limited:{status}"] = 1
    if notes is not None:
        for tool in notes.tools:
            result = "ok" if tool.ok else "refused" if tool.refused else "failed"
            metrics.TOOL_CALLS.labels(tool=tool.tool, result=result).inc()
            name = f"tool:{tool.tool}:{'ok' if tool.ok else 'failed'}"
            counts[name] = counts.get(name, 0) + 1
        if notes.model_calls:
            metrics.MODEL_SECONDS.observe(notes.model_ms / 1000)
            metrics.MODEL_TOKENS.labels(direction="in").inc(notes.tokens_in)
            metrics.MODEL_TOKENS.labels(direction="out").inc(notes.tokens_out)
            counts.update(
                tokens_in=notes.tokens_in,
                tokens_out=notes.tokens_out,
                model_ms=round(notes.model_ms, 1),
                model_calls=notes.model_calls,
            )
    return counts


def _no_group(exc: ResponseError) -> bool:
    return str(exc).startswith("NOGROUP")


def _decode(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
