"""The send bookkeeping without a broker: live before backlog, held records never picked twice."""

from __future__ import annotations

from core.config import ThingsBoardSettings
from core.iot.outbox import OutboxRecord
from core.iot.pacing import LeakyBucket
from core.iot.stream import Stream


def _records(first: int, count: int, payload: str = '{"a":1}') -> list[OutboxRecord]:
    return [OutboxRecord(i, 1_000 * i, payload) for i in range(first, first + count)]


def test_live_records_jump_the_backlog_and_acked_ones_are_never_picked_again() -> None:
    stream = Stream(ThingsBoardSettings(batch_records=2, batch_interval_s=5.0, drain_batch_records=3,
                                        drain_max_records_per_s=0))
    stream.begin(watermark=10)  # ids 1..10 were stored before this session
    stream.fetched(_records(1, 10))
    first = stream.take_backlog()
    assert [r.id for r in first] == [1, 2, 3]
    stream.sent(101, first)
    stream.stored(_records(11, 1), now=0.0)
    assert not stream.live_due(now=1.0, flush=False)  # one record, interval not up
    stream.stored(_records(12, 1), now=1.0)
    assert stream.live_due(now=1.0, flush=False)  # batch_records reached
    live = stream.take_live(now=1.0)
    assert [r.id for r in live] == [11, 12] and not stream.has_live
    stream.sent(102, live)
    assert stream.acknowledged(101) == 3 and stream.acknowledged(999) is None

    # Reconnect before the deletes commit: 1..3 are held (acked), 11, 12 in flight (paho re-sends).
    stream.end()
    stream.begin(watermark=12)
    stream.fetched(_records(1, 12))
    picked = []
    while batch := stream.take_backlog():
        picked += [r.id for r in batch]
    assert picked == [4, 5, 6, 7, 8, 9, 10]
    assert stream.cursor == 12 and stream.needs_fetch  # the next fetch finds nothing: done
    stream.fetched([])
    assert stream.backlog_done

    acked = stream.take_acked()
    assert acked == [1, 2, 3] and stream.take_acked() == []
    stream.delete_failed(acked)
    assert stream.take_acked() == [1, 2, 3]
    stream.deleted(acked)


def test_messages_respect_the_size_limit() -> None:
    big = '{"x":"' + "y" * 1500 + '"}'
    stream = Stream(ThingsBoardSettings(drain_batch_records=100, max_message_bytes=4000, drain_max_records_per_s=0))
    stream.begin(watermark=10)
    stream.fetched(_records(1, 10, big))
    sizes = []
    while batch := stream.take_backlog():
        sizes.append(len(batch))
    assert sizes == [2, 2, 2, 2, 2]
    huge = '{"x":"' + "y" * 5000 + '"}'  # larger than a message: still sent, alone
    stream.begin(watermark=20)
    stream.fetched(_records(11, 2, huge))
    assert len(stream.take_backlog()) == 1


def test_leaky_bucket_paces_the_drain() -> None:
    bucket = LeakyBucket(rate=1000.0, batch=100)  # holds 0.1 s worth = 100 records
    assert bucket.allowed(10.0)
    bucket.add(100)
    assert not bucket.allowed(10.0) and bucket.resume_at is not None
    assert abs(bucket.resume_at - 10.1) < 1e-9
    assert bucket.allowed(10.1) and bucket.resume_at is None
    unlimited = LeakyBucket(rate=0.0, batch=100)
    unlimited.add(10**9)
    assert unlimited.allowed(0.0)
