"""Peak memory of a Map over many small items: bounded by the limit, not by the item count.

    python benchmarks/map_memory.py

Each configuration runs in a fresh process, which reports its peak resident memory before
and after the Map. The items and the results (two lists of the item count) are memory any
engine needs; what a Map adds on top is one coroutine per worker, so going from 10,000 to
100,000 items should grow memory by little more than those lists.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def measure(count: int, limit: int, mode: str) -> dict[str, Any]:
    import anyio

    sys.path.insert(0, str(ROOT))
    from orchestra import Engine, StateMachine

    definition = {
        "StartAt": "Map",
        "States": {
            "Map": {
                "Type": "Map",
                "MaxConcurrency": limit,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": mode},
                    "StartAt": "Step",
                    "States": {
                        "Step": {"Type": "Pass", "Parameters": {"x.$": "$.id"}, "End": True}
                    },
                },
                "End": True,
            }
        },
    }
    machine = StateMachine.from_definition(definition)
    items = [{"id": k} for k in range(count)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    async def main() -> float:
        # 100,000 items are far over AWS's 256 KiB input limit, and an inline Map of them
        # over its 25,000 history events; both limits are raised here.
        async with Engine(payload_limit=256 * 1024 * 1024, max_history_events=10**7) as engine:
            start = time.perf_counter()
            execution = await engine.start_execution(machine, items)
            output = await execution.result()
            elapsed = time.perf_counter() - start
            assert len(output) == count
            return elapsed

    elapsed = anyio.run(main)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "items": count,
        "limit": limit,
        "mode": mode,
        "seconds": elapsed,
        "peak_mib_before": before / 1024,
        "peak_mib_after": after / 1024,
    }


CONFIGURATIONS = (
    ("INLINE", 10_000, 40),
    ("INLINE", 100_000, 40),
    ("DISTRIBUTED", 10_000, 40),
    ("DISTRIBUTED", 100_000, 40),
    ("DISTRIBUTED", 100_000, 0),
)


def main() -> None:
    print(
        f"{'mode':12} {'items':>8} {'MaxConcurrency':>14} {'seconds':>8} {'peak MiB':>9} "
        f"{'added by the run':>17}"
    )
    for mode, count, limit in CONFIGURATIONS:
        command = [sys.executable, __file__, "--one", str(count), str(limit), mode]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        result = json.loads(done.stdout)
        added = result["peak_mib_after"] - result["peak_mib_before"]
        print(
            f"{mode:12} {count:>8} {limit:>14} {result['seconds']:>8.2f} "
            f"{result['peak_mib_after']:>9.1f} {added:>13.1f} MiB"
        )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        print(json.dumps(measure(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
    else:
        main()
