"""Benchmark data at hospital scale: ``manage.py seed_scale --courses 10000 [--reset]``.

The generator lives in bench/generator.py; this command only has to live in an app so that
manage.py finds it. --reset empties the generated data, and only in a PostgreSQL database
whose name contains "bench" (bench/reset.py); without it a second run is refused.
"""

from django.core.management.base import BaseCommand, CommandError

from bench.generator import AlreadySeeded, generate
from bench.reset import NotABenchDatabase, reset


class Command(BaseCommand):
    help = "Generate N treatment courses with their history for the scale benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--courses", type=int, required=True, help="number of courses (N)")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="empty the generated data first (only in a database whose name has 'bench')",
        )
        parser.add_argument("--label", default="bench", help="prefix of MRNs, wards and users")

    def handle(self, *args, courses, label, **options):
        if courses < 1:
            raise CommandError("--courses must be at least 1")
        try:
            if options["reset"]:
                reset(label)
            scenario = generate(courses=courses, label=label)
        except (AlreadySeeded, NotABenchDatabase) as error:
            raise CommandError(str(error)) from None
        rows = ", ".join(f"{k} {v}" for k, v in scenario.counts.items())
        self.stdout.write(
            f"{courses} courses generated in {scenario.seconds:.1f} s ({rows}). "
            f"Bench ward {scenario.ward_code}: {scenario.monitored_on_ward} in monitoring."
        )
