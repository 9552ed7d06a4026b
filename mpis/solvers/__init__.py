"""Backward (adjoint) solvers for (I - J^T) beta = dL/da, one signature, chosen by name.

Every solver is ``solve(vjp, rhs, *, max_iter, tol, ...) -> SolverResult`` where ``vjp(b) = J^T b``
is batched over dim 0 and ``tol`` is relative: stop once ``||g(beta)|| / ||rhs|| < tol``.
:func:`bind_backward_solver` turns a :class:`~mpis.config.SolverConfig` into a two-argument callable
that never hands back a failed solve (best residual not below 1, the zero guess's, or not finite):
it runs the configured fallback instead and says so in ``SolverResult.fallback``.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from torch import Tensor

from mpis.config import SolverConfig
from mpis.registries import lookup
from mpis.solvers.anderson import solve_by_anderson
from mpis.solvers.broyden import solve_by_broyden
from mpis.solvers.fixed_point import solve_by_fixed_point
from mpis.solvers.neumann import solve_by_neumann
from mpis.solvers.one_step import solve_one_step
from mpis.solvers.solver_result import VJP, SolverResult, solve_failed

SOLVERS = {
    "broyden": solve_by_broyden,
    "anderson": solve_by_anderson,
    "fixed_point": solve_by_fixed_point,
    "neumann": solve_by_neumann,
    "one_step": solve_one_step,
}

BoundSolver = Callable[[VJP, Tensor], SolverResult]


def bind_solver(config: SolverConfig) -> BoundSolver:
    """The solver named by ``config`` with its budget, tolerance and own options; no fallback.
    ``max_iter=0`` is the one-step gradient for every solver (ALGORITHMS.md §4.2, §8)."""
    if config.max_iter == 0:
        return partial(solve_one_step, max_iter=0, tol=config.tol)
    options = {"max_iter": config.max_iter, "tol": config.tol}
    if config.name == "fixed_point":
        options["damping"] = config.damping
    if config.name in ("broyden", "anderson"):
        options["memory"] = config.memory
    return partial(lookup(SOLVERS, config.name, "solver"), **options)


def bind_backward_solver(config: SolverConfig) -> BoundSolver:
    """:func:`bind_solver` guarded by ``config.fallback``: a failed solve is replaced by Anderson
    (``fallback_memory``, the same budget and tolerance) and, if that fails too, by the one-step
    ``beta = dL/da``. ``steps`` counts every VJP spent, the failed ones included."""
    primary = bind_solver(config)
    anderson = partial(solve_by_anderson, max_iter=max(config.max_iter, 1), tol=config.tol,
                       memory=config.fallback_memory)

    def solve(vjp: VJP, rhs: Tensor) -> SolverResult:
        result = primary(vjp, rhs)
        if not solve_failed(result):
            return result
        spent, failed = result.steps, result.relative_residual
        if config.fallback == "anderson":
            rescue = anderson(vjp, rhs)
            if not solve_failed(rescue):
                return rescue._replace(steps=spent + rescue.steps, fallback="anderson", failed_residual=failed)
            spent += rescue.steps
        rescue = solve_one_step(vjp, rhs, max_iter=0, tol=config.tol)
        return rescue._replace(steps=spent, fallback="one_step", failed_residual=failed)

    return solve


__all__ = ["SOLVERS", "SolverResult", "bind_backward_solver", "bind_solver", "BoundSolver"]
