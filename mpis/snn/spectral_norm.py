r"""Spectral-norm restriction of a feedback weight (IDE paper, ALGORITHMS.md §5.2).

.. math::
    W = \mathrm{clamp}(\alpha, -c, c)\, \frac{V}{\hat\sigma(V)}, \qquad \hat\sigma = u^\top V_{mat} v

``V_mat`` is the raw weight reshaped to ``(dim0, -1)`` (conv: ``(C_out, C_in k k)``, transposed conv:
``(C_in, C_out k k)``, linear: ``(out, in)``): the norm of the reshaped kernel, not the operator norm
of the convolution. One power iteration per training forward call updates ``u, v`` without gradient;
``sigma_hat`` carries gradient to ``V``. ``alpha`` is trainable, initialised to
``sigma_max(V_0)`` by 10 power iterations, and clamped to ``[-c, c]`` when used.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SpectralNormRestriction(nn.Module):
    """Owns ``alpha`` and the power-iteration vectors of one raw weight ``V`` (held by its op)."""

    def __init__(self, weight: Tensor, bound: float, init_iterations: int = 10):
        super().__init__()
        self.bound = bound
        matrix = weight.detach().reshape(weight.shape[0], -1)
        generator = torch.Generator().manual_seed(0)
        self.register_buffer("u", F.normalize(torch.randn(matrix.shape[0], generator=generator), dim=0))
        self.register_buffer("v", F.normalize(torch.randn(matrix.shape[1], generator=generator), dim=0))
        for _ in range(init_iterations):
            self._power_iteration(matrix)
        self.alpha = nn.Parameter(torch.dot(self.u, matrix @ self.v).reshape(()))

    @torch.no_grad()
    def _power_iteration(self, matrix: Tensor) -> None:
        self.v.copy_(F.normalize(matrix.t() @ self.u, dim=0))
        self.u.copy_(F.normalize(matrix @ self.v, dim=0))

    def restrict(self, weight: Tensor, *, update: bool = True) -> Tensor:
        """``clamp(alpha, -c, c) * weight / sigma_hat`` (with gradient), after one power iteration
        when ``update`` (training); in eval mode ``u, v`` stay fixed so the model is deterministic."""
        matrix = weight.reshape(weight.shape[0], -1)
        if update:
            self._power_iteration(matrix.detach())
        # clones: the next forward's power iteration must not change what this forward's graph saved
        sigma = torch.dot(self.u.clone(), matrix @ self.v.clone())
        return self.alpha.clamp(-self.bound, self.bound) * weight / sigma
