"""Memory of a long-running engine: flat once the retention limit is reached.

    python benchmarks/retention_memory.py [--executions 100000] [--batch 1000]

One engine with default settings runs short Standard executions (a 5-state Pass machine,
as W5) in batches started at once, and reports the process's resident memory after every
tenth of the run, with how many executions the engine still keeps. Once the engine keeps
its maximum of closed executions (``max_closed_executions``, 1,000 by default), memory
should stop growing: a service that runs for months holds the same.
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import anyio  # noqa: E402

import orchestra.logging  # noqa: E402
from orchestra import Engine, StateMachine  # noqa: E402

DEFINITION = {
    "StartAt": "P0",
    "States": {
        **{f"P{k}": {"Type": "Pass", "Next": f"P{k + 1}"} for k in range(4)},
        "P4": {"Type": "Pass", "Result": "done", "ResultPath": "$.status", "End": True},
    },
}


def resident_mib() -> float:
    """The process's current resident memory (Linux), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    import resource

    return pages * resource.getpagesize() / 2**20


async def main(total: int, batch: int) -> None:
    machine = StateMachine.from_definition(DEFINITION, name="short")
    step = max(total // 10, batch)
    print(f"{'executions':>10}  {'kept':>6}  {'RSS MiB':>8}")
    async with Engine() as engine:
        done = 0
        while done < total:
            started = [
                await engine.start_execution(machine, {"order": done + k})
                for k in range(min(batch, total - done))
            ]
            for execution in started:
                await execution.wait()
            done += len(started)
            del started
            if done % step == 0 or done == total:
                gc.collect()
                kept = len(engine.list_executions())
                print(f"{done:>10}  {kept:>6}  {resident_mib():>8.1f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--executions", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    options = parser.parse_args()
    orchestra.logging.configure(level="warning")
    anyio.run(main, options.executions, options.batch)
