"""CPU seconds used by each part of a running stack, for telling where a run's time went.

A part is a process that supervisord started plus all its descendants (RabbitMQ's `beam.smp`
runs under a shell). Parts whose names begin alike (every `ingest-worker-...`) are added up
under one label. Read it before and after a run; the difference over the wall time is the
average number of cores the part kept busy.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass

import psutil

PART_NAMES = {"ingest-worker": "workers", "docstore": "docstore", "rabbitmq": "rabbitmq",
              "redis": "redis", "sandbox": "sandbox"}


def stack_pids(ingest_command: list[str], env: dict[str, str],
               part_names: dict[str, str] = PART_NAMES) -> dict[str, list[int]]:
    """Root pids of the stack's parts by label, from `ingest status --json`; a part takes the
    label of the first prefix in `part_names` that its name begins with."""
    answer = subprocess.run([*ingest_command, "status", "--json"], env=env, capture_output=True,
                            text=True, timeout=60)
    parts = json.loads(answer.stdout)["parts"]
    pids: dict[str, list[int]] = {}
    for name, part in parts.items():
        label = next((label for prefix, label in part_names.items() if name.startswith(prefix)), None)
        if label is not None and part.get("pid"):
            pids.setdefault(label, []).append(part["pid"])
    return pids


def _tree_seconds(pid: int) -> float:
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@dataclass(frozen=True)
class CpuReading:
    parts: dict[str, float]   # CPU seconds by part since each started
    machine: float            # busy CPU seconds of the whole machine since boot

    @classmethod
    def take(cls, pids: dict[str, list[int]]) -> CpuReading:
        parts = {name: sum(_tree_seconds(pid) for pid in roots) for name, roots in pids.items()}
        mine = psutil.Process(os.getpid()).cpu_times()
        parts["client"] = mine.user + mine.system
        machine = psutil.cpu_times()
        return cls(parts, machine.user + machine.system + machine.nice + machine.irq + machine.softirq)

    def cores_since(self, earlier: CpuReading, seconds: float) -> dict[str, float]:
        """Average cores each part used between two readings, plus `other` (every process on the
        machine outside these parts) and `machine` (everything)."""
        used = {name: (self.parts[name] - earlier.parts.get(name, 0.0)) / seconds for name in self.parts}
        used["machine"] = (self.machine - earlier.machine) / seconds
        used["other"] = max(0.0, used["machine"] - sum(v for k, v in used.items() if k != "machine"))
        return used
