"""The queue storage chosen by CASELOAD_QUEUE_URL, and our PostgreSQL storage for huey (caseload/queue_postgres.py)
against a real server: several consumers taking from one queue get each task exactly once."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

from caseload.jobs import _storage_for
from tests.conftest import POSTGRES


def test_the_queue_url_chooses_the_storage(tmp_path):
    from caseload.queue_postgres import PostgresStorage

    assert _storage_for(f"sqlite:///{tmp_path}/q.db")[0] is SqliteStorage
    assert _storage_for("redis://cache:6379/0") == (RedisStorage, {"url": "redis://cache:6379/0"})
    assert _storage_for("postgresql+psycopg://u@db:5432/q") == (PostgresStorage, {"url": "postgresql+psycopg://u@db:5432/q"})
    with pytest.raises(ValueError, match="CASELOAD_QUEUE_URL: no queue storage for 'amqp'"):
        _storage_for("amqp://broker/")


postgres_only = pytest.mark.skipif(not POSTGRES, reason="needs the PostgreSQL server (CASELOAD_TEST_POSTGRES=1)")


@pytest.fixture
def queue_url():
    from tests.postgres import create_database

    return create_database("caseload_queue_storage")


@postgres_only
def test_each_task_goes_to_exactly_one_of_several_consumers(queue_url):
    from caseload.queue_postgres import PostgresStorage

    PostgresStorage("q", url=queue_url).flush_all()
    producer = PostgresStorage("q", url=queue_url)
    for n in range(300):
        producer.enqueue(str(n).encode())
    assert producer.queue_size() == 300
    taken: list[list[bytes]] = [[] for _ in range(4)]

    def consume(mine: list[bytes]):
        storage = PostgresStorage("q", url=queue_url, create_tables=False)  # its own connection, like a consumer
        while (data := storage.dequeue()) is not None:
            mine.append(data)

    threads = [threading.Thread(target=consume, args=(mine,)) for mine in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    everything = sorted(int(d) for mine in taken for d in mine)
    assert everything == list(range(300))  # none lost, none twice
    assert producer.queue_size() == 0 and producer.dequeue() is None


@postgres_only
def test_priority_schedule_results_and_counters(queue_url):
    from caseload.queue_postgres import PostgresStorage

    huey = Huey("t", storage_class=PostgresStorage, url=queue_url)
    storage = huey.storage
    storage.flush_all()
    storage.enqueue(b"low", priority=0)
    storage.enqueue(b"high", priority=5)
    assert storage.enqueued_items() == [b"high", b"low"] and storage.dequeue() == b"high"
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    storage.add_to_schedule(b"later", now + timedelta(hours=1))
    storage.add_to_schedule(b"due", now - timedelta(seconds=1))
    assert storage.read_schedule(now) == [b"due"] and storage.schedule_size() == 1
    assert storage.put_if_empty("k", b"1") and not storage.put_if_empty("k", b"2")
    assert storage.peek_data("k") == b"1" and storage.pop_data("k") == b"1" and not storage.has_data_for_key("k")
    storage.put_data("r", b"x")
    storage.put_data("r", b"y")
    assert storage.result_items() == {"r": b"y"}
    assert storage.incr("c") == 1 and storage.incr("c", 4) == 5

    @huey.task()
    def add(a, b):
        return a + b

    storage.flush_queue()
    result = add(2, 3)  # a real round trip: enqueue, a consumer's execute, the result stored and read back
    task = huey.dequeue()
    huey.execute(task)
    assert result.get() == 5
