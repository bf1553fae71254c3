"""What the machine a measurement ran on can do: latency figures differ by machine.

The local model reads prompts about 1.5 times faster with AVX-512 than with AVX2 only
(llama.cpp is built for the instruction sets the CPU lists), so an eval or benchmark records
the CPU beside its timings.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def _cpuinfo() -> str:
    """/proc/cpuinfo, or '' where there is none."""
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The instruction-set flags the first CPU lists in /proc/cpuinfo (empty elsewhere)."""
    if cpuinfo is None:
        cpuinfo = _cpuinfo()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def machine(cpuinfo: str | None = None) -> dict[str, Any]:
    """CPU model, cores, the vector extensions that set the local model's speed, Python."""
    if cpuinfo is None:
        cpuinfo = _cpuinfo()
    cpu = next(
        (
            line.partition(":")[2].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    flags = cpu_flags(cpuinfo)
    # the cores this process may use (a container's share), not the host's
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "cpu": cpu,
        "cores": len(affinity(0)) if affinity else os.cpu_count(),
        "avx512": "avx512f" in flags,
        "amx": "amx_tile" in flags,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
