"""The open-loop ward model (issue 20 item 6): nurses at their tablets, not a flood.

Each of ``nurses`` nurses (own session) refreshes the Today list every minute (the htmx poll),
opens the full page every 10 minutes and records an assessment every 3 minutes, each at a
random phase. ``speedup`` runs the same model that many times faster (10: ten times the
ward's rate, the headroom asked for). Requests are sent at their scheduled moments whatever
the server does (open loop: a slow answer does not slow the arrivals), by a pool of threads,
and each latency is measured from the scheduled moment, so time spent waiting for a free
client thread counts against the server, not hidden (no coordinated omission).

The client is Python threads on the same machine; at the model's rate (about 12 requests a
second at 10×) it stays far from saturating a core.
"""

from __future__ import annotations

import heapq
import http.client
import random
import re
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass

REFRESH_EVERY_S = 60.0
FULL_PAGE_EVERY_S = 600.0
ASSESSMENT_EVERY_S = 180.0
CLIENT_THREADS = 48

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(order=True)
class Planned:
    at: float
    kind: str
    nurse: int


def plan(*, nurses: int, seconds: float, speedup: float, seed: int = 7) -> list[Planned]:
    """Every request of the run, at its moment (seconds from the start)."""
    rng = random.Random(seed)
    planned = []
    for nurse in range(nurses):
        for kind, every in (
            ("refresh", REFRESH_EVERY_S),
            ("page", FULL_PAGE_EVERY_S),
            ("assessment", ASSESSMENT_EVERY_S),
        ):
            period = every / speedup
            at = rng.uniform(0, period)
            while at < seconds:
                planned.append(Planned(at, kind, nurse))
                at += period
    heapq.heapify(planned)
    return planned


def _assessment_form(conn, headers, course_id) -> tuple[str, str]:
    """The form's CSRF token and the csrftoken cookie, as a browser has them."""
    conn.request("GET", f"/monitoring/courses/{course_id}/assess/", headers=headers)
    response = conn.getresponse()
    body = response.read().decode()
    cookie = ""
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            cookie = value.split(";", 1)[0]
    token = _CSRF.search(body)
    if response.status != 200 or not token:
        raise RuntimeError(f"assessment form: HTTP {response.status}")
    return token.group(1), cookie


def run(
    *,
    port: int,
    path: str,
    cookies: list[str],
    course_ids: list[int],
    seconds: float,
    speedup: float,
) -> dict:
    """Run the model against gunicorn on 127.0.0.1:port; latencies per kind of request."""
    from urllib.parse import urlencode

    base = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}"}
    origin = f"https://127.0.0.1:{port}"
    nurses = len(cookies)
    # Each nurse's CSRF pair, read before the clock starts.
    forms = []
    for i, cookie in enumerate(cookies):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {**base, "Cookie": f"sessionid={cookie}"}
        forms.append(_assessment_form(conn, headers, course_ids[i % len(course_ids)]))
        conn.close()
    queue = plan(nurses=nurses, seconds=seconds, speedup=speedup)
    total = len(queue)
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {"refresh": [], "page": [], "assessment": []}
    errors: Counter = Counter()
    rng = random.Random(11)
    start = time.monotonic() + 1.0

    def request(conn, item: Planned):
        cookie = cookies[item.nurse]
        token, csrf_cookie = forms[item.nurse]
        headers = {**base, "Cookie": f"sessionid={cookie}"}
        if item.kind == "refresh":
            conn.request(
                "GET", path, headers={**headers, "HX-Request": "true", "X-Background-Poll": "1"}
            )
        elif item.kind == "page":
            conn.request("GET", path, headers=headers)
        else:
            course_id = course_ids[rng.randrange(len(course_ids))]
            url = f"/monitoring/courses/{course_id}/assess/"
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "assessed_at": time.strftime("%Y-%m-%dT%H:%M"),
                    "temperature_c": "37.1",
                    "heart_rate_bpm": "80",
                    "systolic_bp_mmhg": "120",
                    "diastolic_bp_mmhg": "75",
                    "spo2_percent": "97",
                    "respiratory_rate_per_min": "16",
                    "oxygen_device": "room_air",
                }
            )
            conn.request(
                "POST",
                url,
                body=body,
                headers={
                    **headers,
                    "Cookie": f"sessionid={cookie}; {csrf_cookie}",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": origin,
                    "Referer": origin + url,
                },
            )
        response = conn.getresponse()
        response.read()
        # The form answers a saved assessment with a redirect to the chart.
        expected = 302 if item.kind == "assessment" else 200
        if response.status != expected:
            raise RuntimeError(f"{item.kind}: HTTP {response.status}")

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                item = heapq.heappop(queue)
            wait = start + item.at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                request(conn, item)
            except Exception as error:  # counted, and the connection renewed
                with lock:
                    errors[f"{type(error).__name__}: {error}"[:80]] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latency = time.monotonic() - (start + item.at)
            with lock:
                latencies[item.kind].append(latency)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = sorted(x for values in latencies.values() for x in values)

    def p(values, q):
        values = sorted(values)
        if len(values) < 20:
            return max(values, default=0) * 1000
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    return {
        "tool": "open-loop ward model (Python threads, latency from the scheduled moment)",
        "nurses": nurses,
        "speedup": speedup,
        "seconds": seconds,
        "planned": total,
        "requests": len(every),
        "rps": len(every) / seconds,
        "p50_ms": p(every, 50),
        "p95_ms": p(every, 95),
        "p99_ms": p(every, 99),
        "by_kind": {
            kind: {"n": len(v), "p50_ms": p(v, 50), "p95_ms": p(v, 95)}
            for kind, v in latencies.items()
        },
        "errors": sum(errors.values()),
        "raw": dict(errors),
    }
