"""The open-loop ward model's plan (bench/ward_model.py, issue 20 item 6): each nurse's
requests at the ward's rhythm, sped up, in time order."""

import heapq

from bench.ward_model import plan


def _drain(planned):
    out = []
    while planned:
        out.append(heapq.heappop(planned))
    return out


def test_ten_minutes_of_fifty_nurses_at_the_wards_rate():
    requests = _drain(plan(nurses=50, seconds=600, speedup=1))
    kinds = [r.kind for r in requests]
    assert kinds.count("refresh") == 50 * 10  # every minute
    assert kinds.count("page") == 50  # every 10 minutes
    assert 50 * 3 <= kinds.count("assessment") <= 50 * 4  # every 3 minutes
    assert [r.at for r in requests] == sorted(r.at for r in requests)
    assert all(0 <= r.at < 600 for r in requests)


def test_ten_times_the_rate_is_ten_times_the_requests_in_a_tenth_of_the_time():
    slow = _drain(plan(nurses=50, seconds=600, speedup=1))
    fast = _drain(plan(nurses=50, seconds=60, speedup=10))
    assert len(fast) == len(slow)
