"""Real Celery processes for the tests that prove delivery with the real parts: a worker (and
a beat) started as `make run` starts them, on the test's PostgreSQL database and Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]

needs_postgresql_and_redis = pytest.mark.skipif(
    not settings.REDIS_URL or connection.vendor != "postgresql",
    reason="needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL); .ci/run sets both",
)


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _environment(extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "true",
        "SECRET_KEY": "worker-test-key",
        **extra,
    }


def _celery(*arguments: str, extra_env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cart_workflow", *arguments, "--loglevel=WARNING"],
        cwd=ROOT,
        env=_environment(extra_env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_worker(name: str, **extra_env: str) -> subprocess.Popen:
    """A worker process with the solo pool (the process that works is the one a SIGKILL
    kills); ``extra_env`` sets its settings, e.g. EMAIL_URL."""
    return _celery(
        "worker",
        "--pool=solo",
        "--without-mingle",
        "--without-gossip",
        "-n",
        f"{name}@%h",
        extra_env=extra_env,
    )


def start_beat(schedule_file: Path, **extra_env: str) -> subprocess.Popen:
    """Celery beat with the project's schedule (CELERY_BEAT_SCHEDULE)."""
    return _celery("beat", "-s", str(schedule_file), extra_env=extra_env)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_for(predicate, timeout=45.0, every=0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def flush_broker() -> None:
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
