"""Backward (adjoint) solvers for (I - J^T) beta = dL/da, one signature, chosen by name.

Every solver is ``solve(vjp, rhs, *, max_iter, tol, ...) -> SolverResult`` where ``vjp(b) = J^T b``
is batched over dim 0 and ``tol`` is relative: stop once ``||g(beta)|| / ||rhs|| < tol``.
:func:`bind_backward_solver` turns a :class:`~mpis.config.SolverConfig` into a two-argument callable.
"""

from __future__ import annotations

from functools import partial
from typing import Callable

from torch import Tensor

from mpis.config import SolverConfig
from mpis.solvers.anderson import solve_by_anderson
from mpis.solvers.broyden import solve_by_broyden
from mpis.solvers.fixed_point import solve_by_fixed_point
from mpis.solvers.neumann import solve_by_neumann
from mpis.solvers.one_step import solve_one_step
from mpis.solvers.solver_result import VJP, SolverResult

SOLVERS = {
    "broyden": solve_by_broyden,
    "anderson": solve_by_anderson,
    "fixed_point": solve_by_fixed_point,
    "neumann": solve_by_neumann,
    "one_step": solve_one_step,
}

BoundSolver = Callable[[VJP, Tensor], SolverResult]


def bind_backward_solver(config: SolverConfig) -> BoundSolver:
    """The solver named by ``config`` with its iteration budget, tolerance and own options bound."""
    options = {"max_iter": config.max_iter, "tol": config.tol}
    if config.name == "fixed_point":
        options["damping"] = config.damping
    if config.name in ("broyden", "anderson"):
        options["memory"] = config.memory
    return partial(SOLVERS[config.name], **options)


__all__ = ["SOLVERS", "SolverResult", "bind_backward_solver", "BoundSolver"]
