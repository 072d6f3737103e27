"""CPU threads for torch: Debian's torch starts at 1 thread whatever the machine; OMP_NUM_THREADS wins when set."""
from __future__ import annotations

import os

import torch


def use_cpu_threads(processes: int = 1) -> None:
    """Every core, shared among `processes` processes on this machine, unless OMP_NUM_THREADS says otherwise."""
    threads = int(os.environ.get("OMP_NUM_THREADS", 0)) or (os.cpu_count() or 1) // processes
    torch.set_num_threads(max(1, threads))
