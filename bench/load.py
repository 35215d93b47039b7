"""Load: gunicorn (sync workers) in a separate process, loaded by wrk (closed loop) or, without
wrk, a bounded Python client; and the open-loop ward model (ward_model.py). Part of run.py."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter

from bench import ward_model
from bench.constants import BASE_DIR, LOAD_USERS, WARD_MODEL_SPEEDUP
from bench.measure import _login


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sessions(username: str, count: int) -> list[str]:
    from django.conf import settings

    return [_login(username).cookies[settings.SESSION_COOKIE_NAME].value for _ in range(count)]


def load_test(scenario, *, seconds: int, users: int = LOAD_USERS, model_seconds: int = 60) -> dict:
    """gunicorn with 2×cores+1 sync workers serves the Today list to ``users`` concurrent
    users (one session each) from a separate process, in closed loop: wrk if installed (the
    Debian package ``wrk``; the bench installs nothing), else a Python client, said so in
    the report. Then the open-loop ward model (ward_model.py) at WARD_MODEL_SPEEDUP times
    the ward's rate, against the same server."""
    cores = os.cpu_count() or 1
    workers = 2 * cores + 1
    port = _free_port()
    cookies = _sessions(scenario.nurse, users)
    path = f"/monitoring/today/?ward={scenario.ward_code}"
    env = dict(os.environ)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cart_workflow.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port)
        result = {"workers": workers, "users": users, "seconds": seconds, "path": path}
        wrk = shutil.which("wrk")
        if wrk:
            result.update(_wrk(wrk, port, path, cookies, seconds, users, cores))
        else:
            result["missing"] = "wrk is not installed (apt-get install wrk): Python threads"
            result.update(_python_load(port, path, cookies, seconds, users))
        try:
            result["ward_model"] = ward_model.run(
                port=port,
                path=path,
                cookies=cookies,
                course_ids=_ward_courses(scenario.ward_code),
                seconds=model_seconds,
                speedup=WARD_MODEL_SPEEDUP,
            )
        except Exception as error:
            result["ward_model"] = {"error": f"{type(error).__name__}: {error}"}
        return result
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _ward_courses(ward_code: str) -> list[int]:
    from patients.models import Stage, TreatmentCourse

    return list(
        TreatmentCourse.objects.filter(
            stage=Stage.MONITORING, patient__ward__code=ward_code
        ).values_list("pk", flat=True)
    )


def _wait_for(port: int, timeout: float = 90) -> None:
    """Until the workers answer (the socket opens before they have loaded Django)."""
    import http.client

    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
            conn.getresponse().read()
            conn.close()
            answered += 1
            if answered >= 10:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer")


def _wrk(wrk, port, path, cookies, seconds, users, cores) -> dict:
    script = BASE_DIR / "bench" / "wrk_sessions.lua"
    url = f"http://127.0.0.1:{port}{path}"
    env = {**os.environ, "BENCH_COOKIES": ",".join(cookies)}
    # Warm-up: every worker opens its database connection and loads templates.
    subprocess.run(
        [wrk, "-t1", "-c10", "-d5s", "-s", str(script), url], env=env, capture_output=True
    )
    out = subprocess.run(
        [wrk, f"-t{cores}", f"-c{users}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script)]
        + [url],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), "")
    values = dict(item.split("=") for item in line.split()[1:])
    errors = sum(
        int(values.get(k, 0))
        for k in ("non200", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return {
        "tool": "wrk",
        "requests": int(values.get("requests", 0)),
        "rps": float(values.get("rps", 0)),
        "p50_ms": float(values.get("p50_ms", 0)),
        "p95_ms": float(values.get("p95_ms", 0)),
        "p99_ms": float(values.get("p99_ms", 0)),
        "errors": errors,
        "raw": line,
    }


def _python_load(port, path, cookies, seconds, users) -> dict:
    """A bounded Python load generator: ``users`` threads, keep-alive, 127.0.0.1 only."""
    import http.client

    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = Counter()
    lock = threading.Lock()

    def user(cookie):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Cookie": f"sessionid={cookie}", "X-Forwarded-Proto": "https"}
        mine = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[f"HTTP {response.status}"] += 1
            except Exception as error:
                errors[type(error).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=user, args=(c,)) for c in cookies]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "tool": "python threads",
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 20 else 0,
        "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) > 100 else 0,
        "errors": sum(errors.values()),
        "raw": dict(errors),
    }
