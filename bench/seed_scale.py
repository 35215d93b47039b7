"""Benchmark data at hospital scale: ``python -m bench.seed_scale --courses 10000 [--reset]``.

The generator lives in bench/generator.py. This is a plain script, not a management command:
core sits at the bottom of the layers and imports no app (README, Architecture), so the bench
tooling keeps its command to itself. --reset empties the generated data, and only in a
PostgreSQL database whose name contains "bench" (bench/reset.py); without it a second run is
refused.
"""

import argparse
import os
import sys


class SeedError(Exception):
    """A refusal the command line reports without a traceback."""


def seed(*, courses: int, label: str = "bench", reset_first: bool = False) -> str:
    from bench.generator import AlreadySeeded, generate
    from bench.reset import NotABenchDatabase, reset

    if courses < 1:
        raise SeedError("--courses must be at least 1")
    try:
        if reset_first:
            reset(label)
        scenario = generate(courses=courses, label=label)
    except (AlreadySeeded, NotABenchDatabase) as error:
        raise SeedError(str(error)) from None
    rows = ", ".join(f"{k} {v}" for k, v in scenario.counts.items())
    return (
        f"{courses} courses generated in {scenario.seconds:.1f} s ({rows}). "
        f"Bench ward {scenario.ward_code}: {scenario.monitored_on_ward} in monitoring."
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed_scale",
        description="Generate N treatment courses with their history for the scale benchmarks.",
    )
    parser.add_argument("--courses", type=int, required=True, help="number of courses (N)")
    parser.add_argument(
        "--reset",
        action="store_true",
        help="empty the generated data first (only in a database whose name has 'bench')",
    )
    parser.add_argument("--label", default="bench", help="prefix of MRNs, wards and users")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cart_workflow.settings")
    import django

    django.setup()
    try:
        print(seed(courses=args.courses, label=args.label, reset_first=args.reset))
    except SeedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
