"""Broyden's product form against a dense good-Broyden reference, and its fused CPU step against its
PyTorch form."""

import os
import stat

import pytest
import torch

from mpis.solvers import native_kernel
from mpis.solvers.broyden import solve_by_broyden


def _system(batch=4, dim=30, radius=0.9, dtype=torch.float64, seed=0):
    """vjp(b) = b A_i per sample i (each sample its own Jacobian), rho(A_i) = radius."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(batch, dim, dim, generator=generator, dtype=torch.float64)
    a = a * radius / torch.linalg.eigvals(a).abs().amax(-1)[:, None, None]
    rhs = torch.randn(batch, dim, generator=generator, dtype=torch.float64)
    a, rhs = a.to(dtype), rhs.to(dtype)
    return (lambda b: torch.bmm(b.unsqueeze(1), a).squeeze(1)), rhs


def _dense_good_broyden(vjp, rhs, iterations):
    """Good Broyden with an explicit per-sample H (H_0 = -I, H += (s - H y) s^T H / (s^T H y)), full
    steps: the residual trace of its first ``iterations`` iterates."""
    batch, dim = rhs.shape
    h = -torch.eye(dim, dtype=rhs.dtype).expand(batch, dim, dim).clone()
    beta, g, trace = torch.zeros_like(rhs), rhs, []
    for _ in range(iterations):
        s = -torch.einsum("bij,bj->bi", h, g)
        beta = beta + s
        g_new = vjp(beta) - beta + rhs
        trace.append((g_new.norm() / rhs.norm()).item())
        y = g_new - g
        hy = torch.einsum("bij,bj->bi", h, y)
        sh = torch.einsum("bi,bij->bj", s, h)
        h = h + torch.einsum("bi,bj->bij", s - hy, sh) / torch.linalg.vecdot(s, hy)[:, None, None]
        g = g_new
    return trace


@pytest.mark.parametrize("native", [True, False])
def test_the_product_form_takes_good_broydens_iterates(native):
    vjp, rhs = _system()
    result = solve_by_broyden(vjp, rhs, max_iter=12, tol=0.0, memory=27, native=native)
    torch.testing.assert_close(torch.tensor(result.residual_trace), torch.tensor(_dense_good_broyden(vjp, rhs, 12)),
                               rtol=1e-7, atol=1e-12)
    assert result.residual_trace[-1] < 0.2 * result.residual_trace[0]  # a reference that converges


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-10), (torch.float32, 1e-4)])
@pytest.mark.parametrize("memory", [3, 27])  # 3: restarts every 3 updates
def test_the_fused_cpu_step_agrees_with_the_pytorch_form(dtype, rtol, memory):
    vjp, rhs = _system(dtype=dtype, radius=0.95)
    fused = solve_by_broyden(vjp, rhs, max_iter=20, tol=0.0, memory=memory, native=True)
    torch_form = solve_by_broyden(vjp, rhs, max_iter=20, tol=0.0, memory=memory, native=False)
    assert fused.steps == torch_form.steps == 20
    torch.testing.assert_close(torch.tensor(fused.residual_trace), torch.tensor(torch_form.residual_trace),
                               rtol=rtol * 100, atol=rtol)
    torch.testing.assert_close(fused.solution, torch_form.solution, rtol=rtol * 100, atol=rtol)


def test_the_fused_step_is_built_and_used_on_this_machine():
    assert native_kernel.unavailable_reason() is None
    assert native_kernel.broyden_step(torch.zeros(1)) is not None
    assert native_kernel.broyden_step(torch.zeros(1, dtype=torch.float16)) is None  # the PyTorch form


def test_a_cache_directory_others_can_write_is_never_loaded_from(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    monkeypatch.setenv("MPIS_KERNEL_CACHE", str(shared))
    with pytest.raises(PermissionError, match="not private"):
        native_kernel._build()
    assert not list(shared.iterdir())


def test_without_a_compiler_the_pytorch_form_runs_and_a_warning_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("MPIS_KERNEL_CACHE", str(tmp_path / "kernels"))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    native_kernel._library.cache_clear()
    native_kernel._warn_once.cache_clear()
    try:
        vjp, rhs = _system(dtype=torch.float32)
        with pytest.warns(RuntimeWarning, match="fused CPU step is unavailable.*no-such-compiler"):
            result = solve_by_broyden(vjp, rhs, max_iter=10, tol=0.0)
        assert result.residual_trace == solve_by_broyden(vjp, rhs, max_iter=10, tol=0.0, native=False).residual_trace
        assert stat.S_IMODE((tmp_path / "kernels").stat().st_mode) == 0o700
    finally:
        monkeypatch.undo()
        native_kernel._library.cache_clear()
        native_kernel._warn_once.cache_clear()
    assert native_kernel.unavailable_reason() is None


@pytest.mark.parametrize("native", [True, False])
def test_a_vjp_of_another_shape_or_dtype_is_refused_before_any_step(native):
    rhs = torch.randn(3, 5)
    for wrong in (lambda b: b.double(), lambda b: b[:, :4]):
        with pytest.raises(ValueError, match=r"the VJP returned \(3, (5|4)\) torch.float(64|32) on cpu for a \(3, 5\)"):
            solve_by_broyden(wrong, rhs, max_iter=5, tol=0.0, native=native)
