"""The outbox with the real parts: PostgreSQL, real Celery worker and beat processes on Redis,
and an SMTP server (aiosmtpd, in this process) that counts every e-mail by its Message-ID.

1. A worker SIGKILLed in the middle of a few thousand e-mails: after a restart every e-mail
   arrives, and at most the one the server had accepted when the worker died arrives twice,
   under the same Message-ID (the documented window, core.services).
2. Redis flushed with delivery tasks queued: beat's sweep delivers everything anyway.
3. Two workers sweeping at once: each e-mail arrives once.
"""

import signal
import socket
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser

import pytest
from aiosmtpd.controller import Controller

from core import tasks
from core.models import DeliveryState, OutboxMessage, WorkerHeartbeat
from core.services import outbox_email, outbox_emails_enqueue
from tests.factories import UserFactory
from tests.worker_process import (
    flush_broker,
    needs_postgresql_and_redis,
    start_beat,
    start_worker,
    stop,
    wait_for,
)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    needs_postgresql_and_redis,
]


class SmtpSink:
    """Accepts every message and counts it by Message-ID; remembers which SMTP sessions
    (connections) were open at the same time."""

    def __init__(self):
        self.received: Counter = Counter()
        self.sessions: dict[int, list[float]] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        now = time.monotonic()
        with self.lock:
            self.received[headers["Message-ID"]] += 1
            span = self.sessions.setdefault(id(session), [now, now])
            span[1] = now
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.received.values())

    def sessions_overlapped(self) -> bool:
        spans = sorted(self.sessions.values())
        return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


@pytest.fixture
def smtp_sink():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.url = f"smtp://127.0.0.1:{port}"
    yield sink
    controller.stop()


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        stop(process)


def _queue_emails(causes: int, recipients: int = 4) -> list[str]:
    """``causes`` × ``recipients`` e-mails, queued in one transaction as the monitoring sweep
    does (one INSERT); returns their Message-IDs."""
    staff = [UserFactory(email=f"nurse{n}@hospital.example") for n in range(recipients)]
    outbox_emails_enqueue(
        messages=[
            outbox_email(
                recipient=member,
                source_key=f"reminder:{cause}",
                subject="[CAR-T] Due soon: a monitoring task on your ward",
                body="Open in the CAR-T workflow",
            )
            for cause in range(causes)
            for member in staff
        ]
    )
    return [row.message_id for row in OutboxMessage.objects.all()]


def _all_sent() -> bool:
    return not OutboxMessage.objects.exclude(state=DeliveryState.SENT).exists()


def test_a_worker_killed_mid_delivery_loses_nothing_and_repeats_at_most_the_one_in_flight(
    smtp_sink, processes, tmp_path
):
    flush_broker()
    settings_env = {
        "EMAIL_URL": smtp_sink.url,
        "OUTBOX_SWEEP_SECONDS": "1",
        "OUTBOX_SENDING_LEASE_SECONDS": "5",
        "OUTBOX_BATCH": "50",
    }
    message_ids = _queue_emails(causes=600)  # 2,400 e-mails
    assert len(message_ids) == 2400
    first = start_worker("first", **settings_env)
    processes.append(first)
    processes.append(start_beat(tmp_path / "beat-schedule", **settings_env))
    assert wait_for(lambda: smtp_sink.total() >= 600, timeout=120)

    first.send_signal(signal.SIGKILL)  # killed mid-batch, not shut down
    first.wait(timeout=10)
    at_kill = smtp_sink.total()
    assert at_kill < len(message_ids), "the worker finished before it was killed"
    sending = OutboxMessage.objects.filter(state=DeliveryState.SENDING).count()
    assert sending > 0  # its claimed batch is left in "sending", to be claimed again

    processes.append(start_worker("second", **settings_env))
    assert wait_for(_all_sent, timeout=240)

    assert set(smtp_sink.received) == set(message_ids)  # nothing lost
    twice = {mid: n for mid, n in smtp_sink.received.items() if n > 1}
    # The one window: the server accepted an e-mail and the worker died before marking it
    # sent. One e-mail was in flight (solo pool): at most it went twice, and under the same
    # Message-ID, so the receiving server and mail client see one message twice.
    assert len(twice) <= 1 and all(n == 2 for n in twice.values())
    assert sending >= len(twice)
    for mid in twice:
        row = next(r for r in OutboxMessage.objects.all() if r.message_id == mid)
        assert row.attempts >= 2
    assert smtp_sink.total() == len(message_ids) + len(twice)


def test_a_redis_flush_loses_nothing_beat_sweeps_the_outbox(smtp_sink, processes, tmp_path):
    flush_broker()
    settings_env = {"EMAIL_URL": smtp_sink.url, "OUTBOX_SWEEP_SECONDS": "1"}
    worker = start_worker("first", **settings_env)
    processes.append(worker)
    first_ids = _queue_emails(causes=100)  # kicked after commit: the worker delivers
    assert wait_for(_all_sent, timeout=120)
    assert smtp_sink.total() == len(first_ids)

    # Mid-run the worker goes down (a deploy), more e-mails are queued, and Redis restarts
    # empty: the delivery tasks queued for them are gone.
    stop(worker)
    staff = [UserFactory(email=f"late{n}@hospital.example") for n in range(4)]
    outbox_emails_enqueue(
        messages=[
            outbox_email(recipient=m, source_key=f"late:{c}", subject="s", body="b")
            for c in range(250)
            for m in staff
        ]
    )
    flush_broker()
    WorkerHeartbeat.objects.all().delete()
    processes.append(start_worker("second", **settings_env))
    assert wait_for(WorkerHeartbeat.objects.exists, timeout=60)  # up and consuming
    time.sleep(3)
    assert smtp_sink.total() == len(first_ids), "the flushed task ran after all"

    processes.append(start_beat(tmp_path / "beat-schedule", **settings_env))
    assert wait_for(_all_sent, timeout=180)
    time.sleep(3)  # a few more sweeps find nothing to send
    assert sum(smtp_sink.received.values()) == OutboxMessage.objects.count() == 1400
    assert set(smtp_sink.received.values()) == {1}


def test_two_concurrent_sweeps_deliver_each_e_mail_once(smtp_sink, processes):
    flush_broker()
    settings_env = {"EMAIL_URL": smtp_sink.url, "OUTBOX_BATCH": "10"}
    message_ids = _queue_emails(causes=500)  # 2,000 e-mails, one kick after commit
    processes.append(start_worker("first", **settings_env))
    processes.append(start_worker("second", **settings_env))
    for _ in range(4):  # beat fired again, or two beats ran: more sweeps than workers
        tasks.outbox_deliver.delay()
    assert wait_for(_all_sent, timeout=240)
    time.sleep(2)
    assert set(smtp_sink.received) == set(message_ids)
    assert set(smtp_sink.received.values()) == {1}
    assert smtp_sink.sessions_overlapped(), "the two sweeps never ran at the same time"
