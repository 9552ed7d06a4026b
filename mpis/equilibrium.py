r"""How close a forward got to its fixed point, and how contractive the map is there.

The training forward of an implicit model evaluates the equivalent map once with grad at the
simulated rates, :math:`z_f = f(a)`. From that one evaluation and the Jacobian probe (the same map,
differentiable in its argument) this module measures:

* the **fixed-point residual** :math:`r = \lVert f(a) - a \rVert / \lVert a \rVert`, jointly over
  all streams and per stream. It costs a few norms: ``f(a)`` is already there. It is the distance
  that matters for the implicit gradient, which is exact only at :math:`a = f(a)`. (The step change
  :math:`\lVert a[k] - a[k-1] \rVert / \lVert a[k] \rVert` of the running-average rate shrinks like
  1/k whether or not the rates approach a fixed point; see ``SimulationResult.step_change``.)
* the **spectral radius** :math:`\rho(J)`, :math:`J = \partial f / \partial a`, per sample, by power
  iteration on the probe's vector-Jacobian product :math:`v \leftarrow J^\top v / \lVert J^\top v \rVert`
  (:math:`\rho(J^\top) = \rho(J)`). The estimate is the geometric mean of the growth factors
  :math:`\lVert J^\top v_k \rVert` over the second half of the iterations, which also settles when
  the dominant eigenvalues are a complex pair (the single-step ratio then oscillates).
  :math:`\rho < 1` means the fixed point attracts the iteration :math:`a \leftarrow f(a)` and the
  adjoint Neumann series converges.
* the **Jacobian penalty** :math:`\lVert J \rVert_F^2 / D` (Bai, Koltun and Kolter, "Stabilizing
  Equilibrium Models by Jacobian Regularization", ICML 2021), estimated with one Gaussian probe per
  sample, :math:`\mathbb{E}_\epsilon \lVert \epsilon^\top J \rVert^2 = \lVert J \rVert_F^2`, through
  one extra VJP taken with ``create_graph`` so that it can be added to the loss.

The probe's BatchNorms use running statistics, so :math:`J` is block-diagonal over the batch and
every sample has its own :math:`\rho`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from mpis.implicit import Probe, ProbeVJP
from mpis.snn.synaptic_module import ForwardState


@dataclass
class Equilibrium:
    """One training forward's equilibrium estimate ``point`` = a (detached) and ``image`` = f(a)."""

    point: Tensor  # (B, D), the simulated last-layer rates of every stream, packed
    image: Tensor  # (B, D), f(point) evaluated with grad (the one the parameter gradients flow through)
    stream_sizes: list[int]  # D_i of every stream (they sum to D)
    probe: Probe  # z -> f(z) for the Jacobian (hidden BNs on the simulation's statistics)
    leaf: Tensor | None = None  # the grad-requiring copy of point that image was computed from
    state: ForwardState | None = None  # the forward's masks, restricted weights and BN snapshot

    def residuals(self) -> Tensor:
        """``[joint, stream 0, stream 1, ...]`` of ``||f(a) - a|| / ||a||``, as one tensor (one device sync to read)."""
        difference = (self.image.detach() - self.point).square()
        size = self.point.square()
        parts = [torch.stack([d.sum() for d in difference.split(self.stream_sizes, dim=1)]),
                 torch.stack([s.sum() for s in size.split(self.stream_sizes, dim=1)])]
        joint = parts[0].sum() / parts[1].sum().clamp_min(1e-30)
        return torch.cat([joint.reshape(1), parts[0] / parts[1].clamp_min(1e-30)]).sqrt()

    def spectral_radius(self, iterations: int = 20) -> Tensor:
        """Per-sample rho(J) at ``point`` (shape (B,)), from the probe's VJP."""
        return spectral_radius(ProbeVJP(self.probe, self.point), self.point, iterations)

    def jacobian_penalty(self) -> Tensor:
        """Differentiable Hutchinson estimate of ``||J||_F^2 / D``, averaged over the batch. Needs
        ``leaf`` (the model builds it when ``ModelConfig.jacobian_reg > 0``)."""
        if self.leaf is None:
            raise RuntimeError("jacobian_penalty needs f evaluated on a grad-requiring leaf: "
                               "build the model with ModelConfig(jacobian_reg > 0)")
        return jacobian_penalty(self.image, self.leaf)


@torch.no_grad()
def spectral_radius(vjp, like: Tensor, iterations: int = 20, seed: int = 0) -> Tensor:
    """Per-sample spectral radius of J from ``vjp(v) = J^T v`` (batched, block-diagonal over dim 0).

    The start vector comes from its own generator (``seed``), so measuring never moves the RNG
    that training draws dropout masks from.
    """
    if iterations < 2:
        raise ValueError(f"iterations={iterations!r} is invalid; allowed: an integer >= 2")
    generator = torch.Generator(device=like.device).manual_seed(seed)
    v = torch.randn(like.shape, generator=generator, dtype=like.dtype, device=like.device)
    v = v / v.norm(dim=1, keepdim=True).clamp_min(1e-30)
    log_growth = []
    for _ in range(iterations):
        with torch.enable_grad():
            w = vjp(v)
        norm = w.norm(dim=1).clamp_min(1e-30)
        log_growth.append(norm.log())
        v = w / norm[:, None]
    return torch.stack(log_growth[iterations // 2:]).mean(dim=0).exp()


def jacobian_penalty(image: Tensor, leaf: Tensor) -> Tensor:
    """``sum_b ||eps_b^T J_b||^2 / (B D)`` with ``eps ~ N(0, I)``: an unbiased estimate of the mean
    ``||J_b||_F^2 / D``, differentiable in the parameters that ``image = f(leaf)`` depends on."""
    eps = torch.randn_like(image)
    (vjp,) = torch.autograd.grad(image, leaf, eps, create_graph=True)
    return vjp.square().sum() / image.numel()
