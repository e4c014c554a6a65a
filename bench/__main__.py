"""`make bench`: run every benchmark (or the ones named) and write docs/benchmarks.md.

python -m bench                 all benchmarks
python -m bench demo_load       just one
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ["demo_load", "slack_load", "metrics", "language", "soak", "warehouses"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        module.main()


if __name__ == "__main__":
    main()
