"""A process's own peak memory, for the solve's answer and the bench (no heavy imports: the bench
reads it without loading OR-Tools)."""
from __future__ import annotations

import resource


def peak_memory_mb() -> float:
    """This process's peak resident memory in MB, from /proc/self/status's VmHWM where there is one.

    Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a spawned child reports at
    least its parent's peak at the time it was started (the bench's children all read 851 MB once the
    bench process itself had grown to that)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
