"""The Writer: the only path that writes to the PLC, and the HMI heartbeat.

Each :meth:`Writer.write` runs these checks in order and stops at the first that fails:
known register -> writable -> the link is up -> a fresh PLC value of that register (no blind
writes) -> the per-register write rate (``modbus.write_rate_hz``; a person's write refused because ML
or its guard wrote the register last says so: ``write.rate_ml``) -> for a step-limited
register, a read of its value right before the write (the step is measured from what the PLC
holds, even outside the limits: a change at the panel since the last poll counts) -> the
envelope of :mod:`core.modbus.envelope` (clamp to limits, limit the step to what is left of the
register's allowance in the sliding one-second window, round to what the register holds; refuse
when the PLC sits more than a second's step outside the limits). Then it encodes, writes, reads
back and compares; command registers such as ``fault_reset``, which the PLC clears once handled, are
not read back. Every attempt, refused ones included, becomes one :class:`AuditRecord` handed
to the audit callback and one line on the ``bandsaw.control`` logger; the ML controller's and
the torque guard's attempts go to the ``journal`` callback instead when one is given (the ML
journal: they would bury people's actions in the audit trail, see core.security.audit_route).

A ``hold`` (the engine's: a replay runs) refuses every write but the heartbeat's with its reason.

The last checks run after the last await before the send, with nothing awaited between them and
the send: the link, the newest poll's age at that moment, the hold and the caller's ``precheck``
again (a mode switched, data gone stale or a cut ended during the pre-read stops the write).

The gap this module cannot close (it needs a PLC interlock): between the PLC answering the
pre-read and the PLC receiving the write, a change at the PLC panel is overwritten unseen. That
window is the read's answer in transit, the Writer's decision (no await: 0.12 ms median, 0.16 ms
max measured on the simulator, load 3.7) and the write in transit, plus the PLC's scan until it
applies the write: about 0.3 ms median, up to about 5 ms under load on the loopback simulator;
on the saw one network round trip plus one PLC scan. A panel change after the write and before the
read-back is seen: the read-back shows a value that is neither the one written nor the one read
before it, and the write fails with "read back X, not the Y written". The ML controller takes that
for a person's change (core.control.write_path: an override journalled, their value kept, ML stops
for the cut with an alarm, Fault.PERSON).

The heartbeat task writes the ``heartbeat`` register (incrementing, 65535 wraps to 0) every
``modbus.heartbeat_period_s`` through the same checks as user "system". It audits and logs
only the first failure of a streak and the recovery, never each beat.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.config import Settings
from core.modbus.clock import SYSTEM_CLOCK, Clock, DeadlineSchedule
from core.modbus.envelope import STEP_WINDOW_S, Decision, StepWindow, decide, limits_for
from core.modbus.errors import PlcError
from core.registers import Register, RegisterMap
from core.security.audit import AuditRecord, AuditResult, AuditSink
from core.security.audit_route import AUTOMATIC_WRITERS, is_automatic_write
from core.snapshot import Quality, Snapshot
from core.texts import W_NEXT_CHANGE, W_PRE_READ, W_RATE_ML, W_STEP_USED, parse
from core.values import WriteResult

log = logging.getLogger("bandsaw.control")

HEARTBEAT = "heartbeat"
SYSTEM_USER = "system"
# Command registers the PLC clears once handled: a read-back cannot confirm them.
COMMAND_REGISTERS = frozenset({"fault_reset"})
LatestSnapshot = Callable[[], Snapshot | None]
Precheck = Callable[[], str]  # "" to go ahead, else why the write must not happen
# Given the register's value read from the PLC under the lock: "" to go ahead, else why not.
LiveCheck = Callable[[float], str]


class RegisterClient(Protocol):
    """What the writer needs of the PLC client."""

    @property
    def link_up(self) -> bool: ...

    async def read_holding(self, address: int, count: int) -> list[int]: ...

    async def write_registers(self, address: int, words: Sequence[int]) -> None: ...


@dataclass(frozen=True, slots=True)
class _Attempt:
    name: str
    requested: float
    user: str
    note: str  # requested value and the user's reason, for the audit detail
    now: float  # monotonic
    ts_ms: int  # wall clock


@dataclass(frozen=True, slots=True)
class _Written:
    at: float  # monotonic time of the write
    value: float  # the value written (what the PLC holds after it, barring its own changes)


def is_automatic_writer(user: str) -> bool:
    """The ML controller or its torque guard (their writes go to the ML journal)."""
    return user in AUTOMATIC_WRITERS


class Writer:
    """Setpoint writes under the safety envelope; ``start()``/``stop()`` run the heartbeat."""

    def __init__(
        self,
        settings: Settings,
        register_map: RegisterMap,
        client: RegisterClient,
        latest: LatestSnapshot,
        *,
        audit: AuditSink | None = None,
        journal: AuditSink | None = None,
        clock: Clock = SYSTEM_CLOCK,
        max_age_s: float | None = None,
        command_registers: frozenset[str] = COMMAND_REGISTERS,
        steps: dict[str, StepWindow] | None = None,
        hold: Precheck | None = None,
    ) -> None:
        modbus = settings.modbus
        # The engine's hold on every write but the heartbeat (a replay on the screen): its
        # answer refuses the write, audited like any refusal.
        self._hold = hold
        self._commands = command_registers
        self._map = register_map
        self._client = client
        self._latest = latest
        self._audit = audit
        self._journal = journal  # automatic (ML, guard) writes; None: they go to ``audit`` too
        self._clock = clock
        self._control = settings.control
        self._min_interval_s = 1.0 / modbus.write_rate_hz
        self._heartbeat_period_s = modbus.heartbeat_period_s
        # Data older than this many poll periods is stale (control.stale_after_periods).
        self.max_age_s = (
            max_age_s if max_age_s is not None else settings.control.stale_after_periods / modbus.read_rate_hz
        )
        self._lock = asyncio.Lock()
        self._last_attempt: dict[str, float] = {}
        self._last_user: dict[str, str] = {}  # who sent the last write of each register
        self._last_written: dict[str, _Written] = {}
        # Changes granted per register over the last second: no pattern of calls can rush it.
        # ``steps`` is the owner's (the engine's), so a Writer made by a restart within the
        # second still counts what the previous one granted.
        self._steps: dict[str, StepWindow] = steps if steps is not None else {}
        # Writes whose outcome is unknown (no answer, read-back failed): the step limit needs a
        # value read after them before the next write to that register.
        self._unconfirmed: dict[str, float] = {}
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._heartbeat_value: int | None = None
        self.heartbeat_failures = 0  # consecutive failed beats
        self.heartbeats = 0  # beats written and verified

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the heartbeat task (when the map has a heartbeat register)."""
        if HEARTBEAT not in self._map:
            log.warning("register map has no %r register: no heartbeat is written", HEARTBEAT)
            return
        if self._heartbeat_task is None or self._heartbeat_task.done():
            self._heartbeat_task = asyncio.create_task(self.run_heartbeat(), name="bandsaw.modbus.heartbeat")

    @property
    def heartbeat_task(self) -> asyncio.Task[None] | None:
        return self._heartbeat_task

    async def stop(self) -> None:
        task, self._heartbeat_task = self._heartbeat_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # --- setpoint writes -----------------------------------------------------------------

    async def write(
        self, name: str, value: float, *, user: str, reason: str = "", precheck: Precheck | None = None,
        live_check: LiveCheck | None = None,
    ) -> WriteResult:
        """Write ``value`` to register ``name`` within the envelope; never raises for a bad request.

        ``precheck`` runs under the Writer's lock, right before this one write: a controller
        re-checks there that its mode and data still hold (a non-empty answer refuses the write).
        ``live_check`` then gets the register's value read from the PLC (one Modbus read, under the
        lock): a change made at the PLC panel after the last poll refuses an automatic write built
        on the older value. A failed read refuses the write.
        """
        async with self._lock:
            why = self._hold() if self._hold is not None else ""
            why = why or (precheck() if precheck is not None else "")
            live: float | None = None
            if not why and live_check is not None:
                live, why = await self._live_check(name, live_check)
            if why:
                result, record = self._refused_by_caller(name, value, user, reason, why)
            else:

                def final() -> str:
                    # Again after the last await (the reads before the write), with nothing awaited
                    # between it and the send: the mode, the data, the cut may have changed meanwhile.
                    why = self._hold() if self._hold is not None else ""
                    return why or (precheck() if precheck is not None else "")

                result, record = await self._write(name, value, user=user, reason=reason, live=live, final=final)
        self._report(record)
        return result

    async def _live_check(self, name: str, live_check: LiveCheck) -> tuple[float | None, str]:
        """Read ``name`` from the PLC (under the lock) and ask ``live_check`` about its value:
        (the value read, "" or why the write must not happen)."""
        register = self._map.by_name.get(name)
        if register is None:
            return None, f"no register named {name!r}"
        if not self._client.link_up:
            return None, "the PLC link is down"
        try:
            live = register.decode(await self._client.read_holding(register.address, register.count))
        except PlcError as exc:
            return None, str(W_PRE_READ(name=name, error=str(exc)))
        return live, live_check(live)

    def _refused_by_caller(
        self, name: str, value: float, user: str, reason: str, why: str
    ) -> tuple[WriteResult, AuditRecord]:
        note = f"requested {value:g}" + (f"; reason: {reason}" if reason else "")
        ts_ms = int(self._clock.wall() * 1000)
        record = AuditRecord(ts_ms, user, "write", name, None, None, AuditResult.REFUSED, f"{why}; {note}")
        return WriteResult.refused(name, value, why), record

    async def _write(
        self, name: str, value: float, *, user: str, reason: str, live: float | None = None,
        final: Precheck | None = None,
    ) -> tuple[WriteResult, AuditRecord]:
        """``live``: the register's value read from the PLC under this lock already (a live check).
        ``final``: the caller's checks, run again after the last await before the send."""
        now = self._clock.monotonic()
        note = f"requested {value:g}" + (f"; reason: {reason}" if reason else "")
        attempt = _Attempt(name, value, user, note, now, int(self._clock.wall() * 1000))

        def refuse(why: str, old: float | None = None) -> tuple[WriteResult, AuditRecord]:
            record = AuditRecord(attempt.ts_ms, user, "write", name, old, None, AuditResult.REFUSED, f"{why}; {note}")
            return WriteResult.refused(name, value, why), record

        register = self._map.by_name.get(name)
        if register is None:
            return refuse(f"no register named {name!r}")
        if not register.writable:
            return refuse(f"{name} is read-only")
        if not self._client.link_up:
            return refuse("the PLC link is down")
        # The heartbeat has no step limit to measure: it only needs acquisition to be alive, so
        # it tolerates the data being up to two beats old (a loaded loop does not skip beats).
        max_age_s = max(self.max_age_s, 2 * self._heartbeat_period_s) if name == HEARTBEAT else self.max_age_s
        current, why_not = self._current_value(register, now, max_age_s)
        if current is None:
            return refuse(why_not)
        window = self._steps.get(name)
        snapshot = self._latest()
        if window is not None and snapshot is not None:
            # A poll begun after an unanswered write shows where the PLC is: that write is settled by
            # the poll's answer (the window keeps its change for a second from then).
            window.confirm(snapshot.read_started, snapshot.monotonic)
        last = self._last_attempt.get(name)
        if last is not None and now - last < self._min_interval_s:
            wait_ms = (self._min_interval_s - (now - last)) * 1000
            if is_automatic_writer(self._last_user.get(name, "")) and not is_automatic_writer(user):
                # ML (or its guard) wrote it last: a person waiting the milliseconds out would only
                # race the controller, so the refusal says who holds the register.
                return refuse(str(W_RATE_ML(name=name, wait=wait_ms)), current)
            return refuse(f"write rate limit: next write to {name} allowed in {wait_ms:.0f} ms", current)
        limits = limits_for(register, self._control)
        steps = self._step_window(name, limits.max_step_per_s)
        if limits.max_step_per_s is not None:
            # The step is measured from what the PLC holds right now, read under the lock (once:
            # a live check has read it already): a change at the panel since the last poll (even
            # to outside the limits) counts. The snapshot still gates freshness and the link.
            if live is None:
                try:
                    live = register.decode(await self._client.read_holding(register.address, register.count))
                except PlcError as exc:
                    return refuse(str(W_PRE_READ(name=name, error=str(exc))), current)
            current = live
        # Steps are measured over the time since the last write sent, whatever became of it, and
        # within what the last second's writes have left of the allowance.
        decision = decide(
            register, limits, value, current, None if last is None else now - last,
            budget=None if steps is None else steps.remaining(now),
        )
        if decision.value is None:
            why = decision.reason
            used_up = parse(why)
            if steps is not None and used_up is not None and used_up.code == W_STEP_USED.code:
                why += f"; {W_NEXT_CHANGE(name=name, wait=steps.free_in(now) * 1000)}"
            return refuse(why, current)
        # The last checks, after the last await (the pre-read) and with none before the send below:
        # the link, the data's age at this moment, the caller's mode/data/cut re-checks.
        why = self._final_check(register, max_age_s) or (final() if final is not None else "")
        if why:
            return refuse(why, current)
        return await self._send(attempt, register, decision.value, decision, current)

    def _final_check(self, register: Register, max_age_s: float) -> str:
        """Right before the send: the link still up and the newest poll still fresh (now, not when
        the write began: a slow pre-read ages the data)."""
        if not self._client.link_up:
            return "the PLC link is down"
        snapshot = self._latest()
        if snapshot is None or snapshot.quality is Quality.COMM_ERROR:
            return "the last poll of the PLC failed (no current values)"
        age = self._clock.monotonic() - snapshot.read_started
        if age > max_age_s:
            return f"PLC data is stale ({age:.2f} s old, limit {max_age_s:g} s)"
        return ""

    def _step_window(self, name: str, max_step_per_s: float | None) -> StepWindow | None:
        if max_step_per_s is None:
            return None
        window = self._steps.get(name)
        if window is None:
            window = self._steps[name] = StepWindow(max_step_per_s)
        window.allowance = max_step_per_s * STEP_WINDOW_S  # a changed limit keeps the changes already granted
        return window

    async def _send(
        self, attempt: _Attempt, register: Register, written: float, decision: Decision, current: float
    ) -> tuple[WriteResult, AuditRecord]:
        name = register.name
        detail = "; ".join(part for part in (decision.reason, attempt.note) if part)

        def record(outcome: AuditResult, why: str = "") -> AuditRecord:
            text = f"{why}; {detail}" if why else detail
            return AuditRecord(attempt.ts_ms, attempt.user, "write", name, current, written, outcome, text)

        def failed(why: str, read_back: float | None = None) -> tuple[WriteResult, AuditRecord]:
            result = WriteResult(name, attempt.requested, ok=False, written=written, read_back=read_back,
                                 clamped=decision.clamped, reason=why)
            return result, record(AuditResult.FAILED, why)

        words = register.encode(written)
        self._last_attempt[name] = attempt.now
        self._last_user[name] = attempt.user
        self._unconfirmed[name] = attempt.now  # until the PLC confirms it, below
        self._last_written.pop(name, None)
        steps = self._steps.get(name)
        try:
            await self._client.write_registers(register.address, words)
        except BaseException as exc:
            # No answer: the PLC may apply it at any later moment (a held request). Counted until a
            # read after it shows what the PLC holds, and for a second after that read's answer.
            if steps is not None:
                steps.spend_unconfirmed(attempt.now, abs(written - current))
            if isinstance(exc, PlcError):
                return failed(f"write failed: {exc}")
            raise
        # Answered: applied by now; counted for a second from the answer.
        if steps is not None:
            steps.spend(self._clock.monotonic(), abs(written - current))
        self._last_written[name] = _Written(attempt.now, written)
        if name in self._commands:
            del self._unconfirmed[name]
            result = WriteResult(name, attempt.requested, ok=True, written=written, clamped=decision.clamped,
                                 reason=decision.reason or "command sent (the PLC clears it: not read back)")
            return result, record(AuditResult.CLAMPED if decision.clamped else AuditResult.ACCEPTED)
        try:
            read_back = register.decode(await self._client.read_holding(register.address, register.count))
        except PlcError as exc:
            self._last_written.pop(name, None)
            return failed(f"written, but the read-back failed: {exc}")
        del self._unconfirmed[name]
        if read_back != written:
            self._last_written[name] = _Written(attempt.now, read_back)  # what the PLC holds
            return failed(f"read back {read_back:g}, not the {written:g} written", read_back)
        result = WriteResult(name, attempt.requested, ok=True, written=written, read_back=read_back, verified=True,
                             clamped=decision.clamped, reason=decision.reason)
        return result, record(AuditResult.CLAMPED if decision.clamped else AuditResult.ACCEPTED)

    def _current_value(self, register: Register, now: float, max_age_s: float) -> tuple[float | None, str]:
        """The PLC's present value of ``register``, or None and why it is not known fresh."""
        snapshot = self._latest()
        if snapshot is None:
            return None, "no data from the PLC yet"
        age = now - snapshot.read_started  # the data is as old as its read's start
        if snapshot.quality is Quality.COMM_ERROR:
            return None, "the last poll of the PLC failed (no current values)"
        if age > max_age_s:
            return None, f"PLC data is stale ({age:.2f} s old, limit {max_age_s:g} s)"
        unconfirmed = self._unconfirmed.get(register.name)
        if unconfirmed is not None:
            if snapshot.read_started <= unconfirmed:
                return None, f"the last write to {register.name} is unconfirmed: waiting for a fresh PLC value"
            del self._unconfirmed[register.name]
        value = snapshot.values.get(register.name)
        if value is None or not math.isfinite(value):
            return None, f"no fresh value of {register.name} from the PLC"
        # Our own write is newer than a snapshot whose reads began before it.
        written = self._last_written.get(register.name)
        if written is not None and written.at >= snapshot.read_started:
            return written.value, ""
        return value, ""

    def _report(self, record: AuditRecord) -> None:
        level = logging.INFO if record.result in (AuditResult.ACCEPTED, AuditResult.CLAMPED) else logging.WARNING
        log.log(level, "%s", record.describe())
        self._emit(record)

    def _emit(self, record: AuditRecord) -> None:
        sink = self._journal if self._journal is not None and is_automatic_write(record) else self._audit
        if sink is None:
            return
        try:
            sink(record)
        except Exception:  # the audit sink failing must not turn a done write into an error
            log.exception("audit sink failed for: %s", record.describe())

    # --- heartbeat -----------------------------------------------------------------------

    async def run_heartbeat(self) -> None:
        """Beat until cancelled, on deadlines of the monotonic clock."""
        schedule = DeadlineSchedule(self._heartbeat_period_s, self._clock.monotonic())
        while True:
            await self._clock.sleep_until(schedule.deadline)
            await self.beat()
            schedule.advance(self._clock.monotonic())

    async def beat(self) -> WriteResult:
        """Write the next heartbeat value once."""
        if self._heartbeat_value is None:
            snapshot = self._latest()
            if snapshot is None:
                # Start-up: nothing polled yet. Not a failure, so nothing to audit.
                return WriteResult.refused(HEARTBEAT, 0.0, "waiting for the first poll")
            seen = snapshot.values.get(HEARTBEAT)
            self._heartbeat_value = (int(seen) + 1) % 0x10000 if seen is not None and math.isfinite(seen) else 0
        value = self._heartbeat_value
        async with self._lock:
            result, record = await self._write(HEARTBEAT, value, user=SYSTEM_USER, reason="heartbeat")
        # The counter moves on either way: the PLC needs to see change, not a particular number.
        self._heartbeat_value = (value + 1) % 0x10000
        if result.ok:
            if self.heartbeat_failures:
                log.info("heartbeat restored after %d failed beat(s)", self.heartbeat_failures)
                self._emit(AuditRecord(record.ts_ms, SYSTEM_USER, "heartbeat", HEARTBEAT, record.old_value,
                                       record.new_value, AuditResult.ACCEPTED,
                                       f"restored after {self.heartbeat_failures} failed beat(s)"))
            self.heartbeat_failures = 0
            self.heartbeats += 1
            return result
        self.heartbeat_failures += 1
        if self.heartbeat_failures == 1:
            log.warning("heartbeat failed: %s (further failures are not logged until it recovers)", result.reason)
            self._emit(AuditRecord(record.ts_ms, SYSTEM_USER, "heartbeat", HEARTBEAT, record.old_value,
                                   record.new_value, record.result, record.detail))
        return result
