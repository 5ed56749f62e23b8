"""Will a run fit? The memory a forward pass needs, estimated from the counted network, against what is free.

Checked after counting (at batch 1, small) and before anything is built at the batch asked for, so that a batch
that cannot fit is one line and exit code 2 instead of the kernel's out-of-memory kill or an allocator traceback.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from mnv1_bench.choices import BYTES_PER_ELEMENT, Dtype
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    from mnv1_bench.counting import Cost

# Convolution workspaces and allocator slack on top of the estimate: `time mobilenet --batch 4096` on CPU peaked
# at 1.4 times weights + batch x (input + two largest activations).
OVERHEAD = 1.5


def needed_bytes(cost: Cost, batch: int, dtype: str) -> int:
    """Weights + batch x (the input + the two largest conv/FC outputs: a layer's input and output are alive
    together in an eager forward pass), at the dtype's size, times OVERHEAD."""
    outputs = sorted((math.prod(layer.out_shape) for layer in cost.layers), reverse=True)
    image = math.prod(cost.layers[0].in_shape) if cost.layers else 0
    elements = cost.params + batch * (image + sum(outputs[:2]))
    return int(OVERHEAD * elements * BYTES_PER_ELEMENT[Dtype(dtype)])


def available_bytes(device: str) -> int | None:
    """Free memory: the GPU's (torch.cuda.mem_get_info) or the host's MemAvailable; None where unknown."""
    if device == "cuda":
        import torch

        return int(torch.cuda.mem_get_info()[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_fits(name: str, cost: Cost, batch: int, dtype: str, device: str) -> None:
    """Raise UsageProblem (one line) when `name` at `batch` cannot fit in the memory free on `device`."""
    free = available_bytes(device)
    need = needed_bytes(cost, batch, dtype)
    if free is not None and need > free:
        raise UsageProblem.about("{name} at batch {size} ({precision}) needs about {need:.1f} GiB, but {where} has "
                                 "{free:.1f} GiB free; use a smaller {batch}", name=name, size=batch,
                                 precision=dtype, need=need / 2**30, where=device, free=free / 2**30)  # fmt: skip
