"""Backward-solver contract on an affine adjoint system (I - A^T) beta = rhs, float64."""

import math

import pytest
import torch

from mpis.config import SolverConfig
from mpis.solvers import SOLVERS, bind_backward_solver, bind_solver
from mpis.solvers.fixed_point import solve_by_fixed_point

ITERATIVE = [name for name in SOLVERS if name != "one_step"]


def _problem(batch=3, dim=8, radius=0.6, seed=0):
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(dim, dim, generator=generator, dtype=torch.float64)
    a = a * radius / torch.linalg.matrix_norm(a, ord=2)
    rhs = torch.randn(batch, dim, generator=generator, dtype=torch.float64)
    exact = torch.linalg.solve(torch.eye(dim, dtype=torch.float64) - a.T, rhs.T).T
    return (lambda b: b @ a), rhs, exact


@pytest.mark.parametrize("name", ITERATIVE)
def test_solver_reaches_the_exact_adjoint_within_tolerance(name):
    vjp, rhs, exact = _problem()
    result = bind_backward_solver(SolverConfig(name=name, max_iter=200, tol=1e-10))(vjp, rhs)
    assert result.relative_residual < 1e-10
    assert 0 < result.steps <= 200 and len(result.residual_trace) == result.steps
    torch.testing.assert_close(result.solution, exact, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ITERATIVE)
def test_solver_respects_max_iter_and_reports_residual(name):
    vjp, rhs, exact = _problem(radius=0.95)
    result = bind_backward_solver(SolverConfig(name=name, max_iter=3, tol=0.0))(vjp, rhs)
    assert result.steps == 3
    residual = (vjp(result.solution) - result.solution + rhs).norm() / rhs.norm()
    assert result.relative_residual == pytest.approx(residual.item(), rel=1e-9)


@pytest.mark.parametrize("name", ITERATIVE)
def test_batch_elements_do_not_interact(name):
    vjp, rhs, _ = _problem()
    solve = bind_backward_solver(SolverConfig(name=name, max_iter=200, tol=1e-12))
    together = solve(vjp, rhs).solution
    alone = solve(vjp, rhs[1:2]).solution
    torch.testing.assert_close(together[1:2], alone, rtol=1e-8, atol=1e-10)


def test_damped_fixed_point_converges_to_i_minus_jt_inverse_not_the_repo_variant():
    vjp, rhs, exact = _problem()
    result = solve_by_fixed_point(vjp, rhs, max_iter=500, tol=1e-12, damping=0.5)
    torch.testing.assert_close(result.solution, exact, rtol=1e-9, atol=1e-10)
    repo_variant = torch.linalg.solve(2 * torch.eye(8, dtype=torch.float64) - _a_of(vjp).T, rhs.T).T
    assert (result.solution - repo_variant).norm() > 0.1 * exact.norm()


def _a_of(vjp):
    return vjp(torch.eye(8, dtype=torch.float64))  # rows e_i @ A = A


def test_one_step_returns_the_incoming_gradient_without_any_vjp():
    calls = []
    rhs = torch.randn(2, 4, dtype=torch.float64)
    result = bind_backward_solver(SolverConfig(name="one_step"))(lambda b: calls.append(b) or b, rhs)
    assert calls == [] and result.steps == 0 and math.isnan(result.relative_residual)
    assert torch.equal(result.solution, rhs)


def _expansive_problem(batch=4, dim=60, radius=1.5, seed=0):
    """(I - A^T) beta = rhs with rho(A) = 1.5: beta <- A^T beta + rhs diverges."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(dim, dim, generator=generator, dtype=torch.float64)
    a = a * radius / torch.linalg.eigvals(a).abs().max()
    rhs = torch.randn(batch, dim, generator=generator, dtype=torch.float64)
    exact = torch.linalg.solve(torch.eye(dim, dtype=torch.float64) - a.T, rhs.T).T
    return (lambda b: b @ a), rhs, exact


def test_broyden_on_an_expansive_system_fails_visibly_and_the_fallback_solves_it():
    vjp, rhs, exact = _expansive_problem()
    config = SolverConfig(name="broyden", max_iter=60, tol=1e-8, memory=27, fallback_memory=60)
    alone = bind_solver(config)(vjp, rhs)
    assert alone.relative_residual >= 1.0 and alone.solution.abs().max() == 0  # the zero guess, residual 1
    guarded = bind_backward_solver(config)(vjp, rhs)
    assert (guarded.fallback, guarded.failed_residual, guarded.steps) == ("anderson", alone.relative_residual, 120)
    assert guarded.relative_residual < 1e-4
    torch.testing.assert_close(guarded.solution, exact, rtol=1e-3, atol=1e-3 * exact.abs().max().item())


@pytest.mark.parametrize("name", ITERATIVE)
def test_a_failed_solve_is_never_applied_the_one_step_gradient_replaces_it(name):
    vjp, rhs, _ = _expansive_problem()
    for config in (SolverConfig(name=name, max_iter=20, tol=1e-8, memory=1, fallback="one_step"),
                   SolverConfig(name=name, max_iter=20, tol=1e-8, memory=1, fallback="anderson", fallback_memory=1)):
        result = bind_backward_solver(config)(vjp, rhs)
        assert result.fallback == "one_step" and torch.equal(result.solution, rhs)
        assert not result.failed_residual < 1.0 and math.isnan(result.relative_residual)


@pytest.mark.parametrize("name", ITERATIVE)
def test_a_converged_solve_is_applied_as_it_is(name):
    vjp, rhs, exact = _problem()
    result = bind_backward_solver(SolverConfig(name=name, max_iter=200, tol=1e-10))(vjp, rhs)
    assert result.fallback is None and math.isnan(result.failed_residual) and result.relative_residual < 1e-10


@pytest.mark.parametrize("name", list(SOLVERS))
def test_max_iter_zero_is_the_one_step_gradient_for_every_solver(name):
    calls = []
    rhs = torch.randn(3, 5, dtype=torch.float64)
    result = bind_backward_solver(SolverConfig(name=name, max_iter=0))(lambda b: calls.append(b) or b, rhs)
    assert calls == [] and result.steps == 0 and result.fallback is None and torch.equal(result.solution, rhs)


def test_broyden_uses_only_the_filled_part_of_its_memory():
    """The same iterates whatever the memory beyond the steps taken (no stale columns are read)."""
    vjp, rhs, _ = _problem(radius=0.9)
    short = bind_solver(SolverConfig(name="broyden", max_iter=8, tol=0.0, memory=8))(vjp, rhs)
    long = bind_solver(SolverConfig(name="broyden", max_iter=8, tol=0.0, memory=500))(vjp, rhs)
    assert short.residual_trace == long.residual_trace and torch.equal(short.solution, long.solution)
