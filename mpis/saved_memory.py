"""How much memory a training step keeps for backward, measured exactly, independently of the device.

``saved_tensor_bytes`` counts, with ``torch.autograd.graph.saved_tensors_hooks``, every byte autograd
saves during one forward and loss (storage-deduplicated), then runs the backward. It is the figure
behind "memory is constant in T" (the implicit models save one pass of f, whatever T) and "BPTT's
grows linearly with T" (it saves every step); the tests and the benchmarks use it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def saved_tensor_bytes(model: nn.Module, inputs: Tensor, labels: Tensor) -> int:
    """Bytes of the distinct storages autograd saves during one forward + loss (then backward runs)."""
    seen: dict[int, int] = {}

    def pack(tensor: Tensor):
        storage = tensor.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = F.cross_entropy(model(inputs).logits, labels)
    loss.backward()
    model.zero_grad(set_to_none=True)
    return sum(seen.values())
