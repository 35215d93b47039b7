"""Scale benchmarks: a fast data generator (bench.generator), the benchmark run (bench.run)
and the floor view's urlconf (bench.urls). Nothing here is imported by the application."""
