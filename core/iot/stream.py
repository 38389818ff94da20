"""Which stored record goes out next, and which are in flight: the bookkeeping, no I/O.

Per MQTT session: records stored before the session started (ids <= the watermark) are the
backlog, drained oldest first through a cursor; records stored during the session are live and
go first whenever a live batch is due, so the dashboard stays current during a long drain.
A record handed to paho stays *held* (in flight, then acknowledged until its delete commits) and
is never picked again: after a reconnect paho itself re-sends what was still awaiting a PUBACK.
"""

from __future__ import annotations

from collections import deque

from core.config import ThingsBoardSettings
from core.iot import thingsboard as tb
from core.iot.outbox import OutboxRecord
from core.iot.pacing import LeakyBucket


class Stream:
    def __init__(self, cfg: ThingsBoardSettings) -> None:
        self._cfg = cfg
        self.pacing = LeakyBucket(cfg.drain_max_records_per_s, cfg.drain_batch_records)
        self.session = 0
        self.active = False
        self.watermark = 0
        self.cursor = 0
        self.backlog_done = True
        self._live: deque[OutboxRecord] = deque()
        self.live_since: float | None = None
        self._backlog: deque[OutboxRecord] = deque()
        self.inflight: dict[int, list[int]] = {}  # paho mid -> outbox ids
        self._held: set[int] = set()  # in flight, or acknowledged and not yet deleted
        self.acked: list[int] = []  # acknowledged, waiting for their delete

    # --- sessions ---------------------------------------------------------------------------

    def begin(self, watermark: int) -> None:
        """Connected: everything stored up to ``watermark`` is backlog."""
        self.session += 1
        self.active = True
        self.watermark = watermark
        self.cursor = 0
        self.backlog_done = False
        self._backlog.clear()
        self._live.clear()
        self.live_since = None

    def end(self) -> None:
        """Disconnected: unsent records are safe in the outbox; the next session re-reads them."""
        self.active = False
        self.backlog_done = True
        self._backlog.clear()
        self._live.clear()
        self.live_since = None

    # --- records in -------------------------------------------------------------------------

    def stored(self, records: list[OutboxRecord], now: float) -> None:
        """Records just committed: live if this session has not counted them as backlog."""
        if not self.active:
            return
        self._live.extend(record for record in records if record.id > self.watermark)
        if self._live and self.live_since is None:
            self.live_since = now

    def fetched(self, rows: list[OutboxRecord]) -> None:
        """The next backlog chunk (rows after the cursor); an empty chunk ends the drain."""
        if not rows:
            self.backlog_done = True
            return
        self.cursor = rows[-1].id
        self._backlog.extend(row for row in rows if row.id not in self._held)

    # --- what to send ------------------------------------------------------------------------

    def live_due(self, now: float, flush: bool) -> bool:
        if not self._live or self.live_since is None:
            return False
        return (
            flush
            or len(self._live) >= self._cfg.batch_records
            or now - self.live_since >= self._cfg.batch_interval_s
        )

    def live_deadline(self) -> float | None:
        if not self._live or self.live_since is None:
            return None
        return self.live_since + self._cfg.batch_interval_s

    @property
    def has_live(self) -> bool:
        return bool(self._live)

    @property
    def needs_fetch(self) -> bool:
        return not self.backlog_done and not self._backlog

    def take_live(self, now: float) -> list[OutboxRecord]:
        batch = self._take(self._live, self._cfg.batch_records)
        self.live_since = now if self._live else None
        return batch

    def take_backlog(self) -> list[OutboxRecord]:
        batch = self._take(self._backlog, self._cfg.drain_batch_records)
        self.pacing.add(len(batch))
        return batch

    def _take(self, source: deque[OutboxRecord], max_records: int) -> list[OutboxRecord]:
        batch: list[OutboxRecord] = []
        size = 2
        while source and len(batch) < max_records:
            record_size = tb.message_size(source[0].payload)
            if batch and size + record_size > self._cfg.max_message_bytes:
                break
            batch.append(source.popleft())
            size += record_size
        return batch

    # --- acknowledgements ---------------------------------------------------------------------

    def sent(self, mid: int, batch: list[OutboxRecord]) -> None:
        ids = [record.id for record in batch]
        self.inflight[mid] = ids
        self._held.update(ids)

    def acknowledged(self, mid: int) -> int | None:
        """A PUBACK: how many records it covered (None: not a telemetry message)."""
        ids = self.inflight.pop(mid, None)
        if ids is None:
            return None
        self.acked.extend(ids)
        return len(ids)

    def take_acked(self) -> list[int]:
        ids, self.acked = self.acked, []
        return ids

    def delete_failed(self, ids: list[int]) -> None:
        self.acked[:0] = ids  # retried next step; still held, so never sent again

    def deleted(self, ids: list[int]) -> None:
        self._held.difference_update(ids)
