"""A replay source: recorded samples streamed as Snapshots, paced on deadlines of a monotonic clock.

The replayed time runs from an anchor: ``replayed(now) = anchor_ts + (now - anchor_mono) * speed``;
a sample is due when the replayed time reaches its timestamp. The task wakes at the next due
sample (at most every ``tick_s``: at 60x and 10 Hz it hands over ~60 samples per wake, not 600
wake-ups a second), never on sleep(period), so it does not drift. Chunks are read in a worker
thread ahead of need (core.replay.reader); the loop thread only builds Snapshots and calls the
listeners. A gap in the recording longer than ``gap_ms`` is skipped (the note says how long), so
a period over a night the saw was off does not sit still for hours.

Snapshots carry the recorded ``ts_ms`` and values, ``monotonic`` = when they were handed over
(freshness on the screen is about the replay, not the recording), no raw register numbers (only
engineering values are recorded) and ``seq`` counting from 1 per replay. While paused or ended
the last one is handed over again every ``refresh_s`` (same ``ts_ms``) so the screen's values do
not turn stale.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from core.offload import run_blocking
from core.replay.reader import Chunk, Cursor, ReplayReadError, Row, no_data_reason, read_chunk, when
from core.replay.status import MAX_SPEED, MIN_SPEED, ReplayState, ReplayStatus
from core.snapshot import Quality, Snapshot

log = logging.getLogger("bandsaw.replay")

# 60 s of 10 Hz samples per read (one second at 60x): a read holds the GIL in short bursts (the
# poll loop waits for the GIL while another thread holds it), and little is buffered.
CHUNK_ROWS = 600
FIRST_ROWS = 300  # the first read after a start or a seek is short: the screen shows it sooner
TICK_S = 0.1  # at most ten hand-overs a second, as many as live polls at 10 Hz
# At most this many samples per hand-over (60x at 10 Hz is 60 a tick): after a stall the replay
# catches up over several steps, yielding to the loop between them, never in one long callback.
MAX_PER_STEP = 120
REFRESH_S = 0.5
GAP_MS = 5_000
Emit = Callable[[Snapshot, int], None]


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class ReplayRefused(Exception):
    """A replay request that cannot be served; the message says why, for the screen."""


def check_speed(speed: float) -> float:
    if not math.isfinite(speed) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise ReplayRefused(f"speed {speed:g}x is outside {MIN_SPEED:g}x to {MAX_SPEED:g}x")
    return float(speed)


class ReplaySource:
    """One replay of ``[start_ms, end_ms)``; :meth:`open` reads the first chunk, then it plays."""

    def __init__(self, data_dir: Path, columns: Sequence[str], emit: Emit, *,
                 clock: Callable[[], float] = time.monotonic, chunk_rows: int = CHUNK_ROWS,
                 tick_s: float = TICK_S, refresh_s: float = REFRESH_S, gap_ms: int = GAP_MS,
                 generation: int = 0) -> None:
        self.data_dir = data_dir
        self.columns = list(columns)
        self._emit = emit
        self._clock = clock
        self.chunk_rows = chunk_rows
        self.tick_s = tick_s
        self.refresh_s = refresh_s
        self.gap_ms = gap_ms
        self._status = ReplayStatus(generation=generation)
        self._rows: deque[Row] = deque()
        self._cursor = Cursor(0)
        self._exhausted = False
        self._reading: asyncio.Task[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._poked = False  # wake() before the task went to sleep
        self._waiter: asyncio.Future[None] | None = None
        self._anchor_ts = 0
        self._anchor_mono = 0.0
        self._last: Snapshot | None = None
        self._last_handed = 0.0
        self._seq = 0
        self.error = ""  # why reading stopped early ("" while all is well)
        self.skipped_gaps = 0

    # --- what front ends see --------------------------------------------------------------

    def status(self) -> ReplayStatus:
        return self._status

    # --- commands -------------------------------------------------------------------------

    async def open(self, start_ms: int, end_ms: int, *, speed: float = 1.0, label: str = "",
                   user: str = "") -> ReplayStatus:
        """Read the first chunk and start playing; raises ReplayRefused (empty period, bad input)."""
        speed = check_speed(speed)
        if end_ms <= start_ms:
            raise ReplayRefused(f"the period ends ({when(end_ms)}) before it starts ({when(start_ms)})")
        self._status = replace(self._status, start_ms=start_ms, end_ms=end_ms, position_ms=start_ms, speed=speed,
                               label=label or f"{when(start_ms)} – {when(end_ms)}", user=user)
        await self._load(start_ms, first=True)
        self._status = replace(self._status, state=ReplayState.PLAYING)
        self._anchor(self._status.position_ms)
        self._hand_over_due()
        self._task = asyncio.create_task(self._run(), name="bandsaw.replay")
        return self._status

    def pause(self, paused: bool) -> ReplayStatus:
        state = self._status.state
        if paused and state is ReplayState.PLAYING:
            self._status = replace(self._status, state=ReplayState.PAUSED)
        elif not paused and state is ReplayState.PAUSED:
            self._status = replace(self._status, state=ReplayState.PLAYING)
            self._anchor(self._status.position_ms)
        self.wake()
        return self._status

    def set_speed(self, speed: float) -> ReplayStatus:
        speed = check_speed(speed)
        if self._status.state is ReplayState.PLAYING:
            self._anchor(self._replayed_now())  # the replayed time goes on from where it is now
        self._status = replace(self._status, speed=speed)
        self.wake()
        return self._status

    async def seek(self, position_ms: int) -> ReplayStatus:
        """Go to ``position_ms`` (clamped into the period); playing or paused stays as it was."""
        status = self._status
        if status.state is ReplayState.OFF:
            raise ReplayRefused("no replay is running")
        target = min(max(int(position_ms), status.start_ms), status.end_ms - 1)
        state = ReplayState.PAUSED if status.state is ReplayState.ENDED else status.state
        self._status = replace(status, generation=status.generation + 1, position_ms=target, state=state)
        await self._load(target, first=False)
        self._anchor(self._status.position_ms)
        self._hand_over_due(force_one=True)
        self.wake()
        return self._status

    def settled(self) -> bool:
        """No read under way and nothing due that is not handed over (tests that move the clock)."""
        if self._reading is not None:
            return False
        due = self._status.state is ReplayState.PLAYING and bool(self._rows) and \
            self._rows[0][0] <= self._replayed_now()
        return not due

    def wake(self) -> None:
        """Look again now (a clock that a test moves; commands call it themselves)."""
        self._poked = True
        if self._waiter is not None:
            _release(self._waiter)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        reading, self._reading = self._reading, None
        if reading is not None:  # a worker thread cannot be cancelled: let it finish, drop its rows
            await asyncio.gather(reading, return_exceptions=True)
        self._rows.clear()
        self._status = replace(self._status, state=ReplayState.OFF)

    # --- reading --------------------------------------------------------------------------

    async def _load(self, from_ms: int, *, first: bool) -> None:
        reading, self._reading = self._reading, None
        if reading is not None:
            await asyncio.gather(reading, return_exceptions=True)
        self._rows.clear()
        self._exhausted = False
        self._cursor = Cursor(from_ms)
        chunk = await self._read(min(FIRST_ROWS, self.chunk_rows))
        if not chunk.rows:
            if first:
                why = await run_blocking(no_data_reason, self.data_dir, self._status.start_ms, self._status.end_ms,
                                         name="bandsaw-replay-read")
                raise ReplayRefused(why)
            # Nothing from here to the end: show the end (the screen keeps the last it had).
            self._status = replace(self._status, state=ReplayState.ENDED, position_ms=from_ms)
            return
        self._take(chunk)
        self._status = replace(self._status, position_ms=chunk.rows[0][0])

    async def _read(self, rows: int | None = None) -> Chunk:
        cursor, end_ms = self._cursor, self._status.end_ms
        try:
            return await run_blocking(read_chunk, self.data_dir, self.columns, cursor, end_ms, rows or self.chunk_rows,
                                      name="bandsaw-replay-read")
        except ReplayReadError as exc:
            raise ReplayRefused(str(exc)) from None

    def _take(self, chunk: Chunk) -> None:
        self._rows.extend(chunk.rows)
        self._cursor = chunk.next
        self._exhausted = chunk.done

    def _read_ahead(self) -> None:
        """Start the next chunk's read when no more than a chunk is buffered (two at most, so a read
        slowed by a loaded machine does not run the buffer dry at 60x)."""
        if self._exhausted or self._reading is not None or len(self._rows) > self.chunk_rows:
            return
        generation = self._status.generation

        async def read() -> None:
            try:
                chunk = await self._read()
            except ReplayRefused as exc:
                self.error = str(exc)
                self._exhausted = True
                log.warning("replay stopped reading: %s", exc)
            else:
                if self._status.generation == generation:  # a seek meanwhile voids it
                    self._take(chunk)
            finally:
                self._reading = None
                self.wake()

        self._reading = asyncio.create_task(read(), name="bandsaw.replay.read")

    # --- pacing ---------------------------------------------------------------------------

    def _anchor(self, ts_ms: int) -> None:
        self._anchor_ts, self._anchor_mono = ts_ms, self._clock()

    def _replayed_now(self) -> int:
        elapsed = self._clock() - self._anchor_mono
        return self._anchor_ts + int(elapsed * 1000.0 * self._status.speed)

    def _due_at(self, ts_ms: int) -> float:
        return self._anchor_mono + (ts_ms - self._anchor_ts) / (1000.0 * self._status.speed)

    def _hand_over_due(self, *, force_one: bool = False) -> int:
        """Hand over every buffered sample whose time has come (one at least with ``force_one``)."""
        if not self._rows:
            return 0
        now_ts = self._replayed_now()
        last_ts = self._last.ts_ms if self._last is not None else None
        head = self._rows[0][0]
        if last_ts is not None and head - last_ts > self.gap_ms and head > now_ts:
            # A recording gap: jump over it (the screen would otherwise sit still for its length).
            self.skipped_gaps += 1
            self._status = replace(self._status, note=f"no recording from {when(last_ts)} to {when(head)}: skipped")
            self._anchor(head)
            now_ts = head
        handed = 0
        while self._rows and (self._rows[0][0] <= now_ts or (force_one and handed == 0)):
            if handed == MAX_PER_STEP:
                self._poked = True  # more are due: the next step comes after the loop's other work
                break
            ts_ms, values, known = self._rows.popleft()
            self._hand_over(ts_ms, values, known)
            handed += 1
        if handed:
            self._status = replace(self._status, position_ms=self._last.ts_ms if self._last else now_ts,
                                   emitted=self._status.emitted + handed)
        return handed

    def _hand_over(self, ts_ms: int, values: dict[str, float | None], known: bool) -> None:
        self._seq += 1
        quality = Quality.GOOD if known else Quality.COMM_ERROR
        snapshot = Snapshot(seq=self._seq, ts_ms=ts_ms, monotonic=self._clock(), values=values, raw={},
                            quality=quality)
        self._last = snapshot
        self._last_handed = snapshot.monotonic
        self._emit(snapshot, self._status.generation)

    def _refresh(self) -> None:
        """Paused or ended: the last sample again, newly handed over (same time, same values)."""
        if self._last is None:
            self._last_handed = self._clock()
            return
        self._last = replace(self._last, monotonic=self._clock())
        self._last_handed = self._last.monotonic
        self._emit(self._last, self._status.generation)

    def _next_wake(self) -> float:
        now = self._clock()
        if self._status.state is not ReplayState.PLAYING:
            return self._last_handed + self.refresh_s
        if self._rows:
            due = max(self._due_at(self._rows[0][0]), now + self.tick_s * 0.2)
            return min(max(due, self._last_handed + self.tick_s), self._last_handed + self.refresh_s)
        return now + self.tick_s  # waiting for a read

    async def _run(self) -> None:
        while True:
            delay = self._next_wake() - self._clock()
            if delay > 0 and not self._poked:
                await self._sleep(delay)
            else:
                await asyncio.sleep(0)  # never hold the loop, whatever the clock says
            self._poked = False
            try:
                self._step()
            except Exception:  # a bug here must not take the engine's loop down: the replay ends
                log.exception("replay failed; it ends")
                self.error = "the replay failed (see the log)"
                self._status = replace(self._status, state=ReplayState.ENDED)

    async def _sleep(self, delay: float) -> None:
        """Until ``delay`` has passed or :meth:`wake` (one timer handle: no task per wake-up)."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiter = waiter
        handle = loop.call_later(delay, _release, waiter)
        try:
            await waiter
        finally:
            handle.cancel()
            self._waiter = None

    def _step(self) -> None:
        state = self._status.state
        if state is not ReplayState.PLAYING:
            if self._clock() - self._last_handed >= self.refresh_s * 0.9:
                self._refresh()
            return
        handed = self._hand_over_due()
        self._read_ahead()
        if not self._rows and self._exhausted and self._reading is None:
            note = self.error or self._status.note
            self._status = replace(self._status, state=ReplayState.ENDED, note=note)
            log.info("replay reached its end (%d samples)", self._status.emitted)
        elif not handed and self._clock() - self._last_handed >= self.refresh_s:
            self._refresh()  # waiting on a slow read or a sparse recording: keep the screen fresh
