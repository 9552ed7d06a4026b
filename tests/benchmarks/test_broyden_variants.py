"""The Broyden-variants benchmark: its bad-Broyden solver solves what the library's solver solves,
and the command prints a row per variant on a small system."""

import torch

from benchmarks import broyden_variants


def test_bad_broyden_matches_a_dense_solve():
    torch.manual_seed(0)
    batch, dim = 3, 12
    jacobian = torch.randn(batch, dim, dim, dtype=torch.float64)
    jacobian *= 0.6 / torch.linalg.matrix_norm(jacobian, 2)[:, None, None]  # rho(J) < 1 per sample
    rhs = torch.randn(batch, dim, dtype=torch.float64)

    def vjp(b):  # J^T b per sample
        return torch.einsum("bij,bi->bj", jacobian, b)

    exact = torch.linalg.solve(torch.eye(dim, dtype=torch.float64) - jacobian.transpose(1, 2), rhs)
    result = broyden_variants.solve_by_bad_broyden(vjp, rhs, max_iter=40, tol=1e-10)
    assert result.relative_residual < 1e-10
    torch.testing.assert_close(result.solution, exact, rtol=1e-8, atol=1e-8)


def test_command_prints_every_variant(capsys):
    broyden_variants.main(["--models", "ide_fmnist_f400:8", "--repeats", "1", "--max-iter", "5"])
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.startswith("ide_fmnist_f400:8")]
    assert [row.split()[1] for row in rows] == ["good", "good", "bad", "bad"]  # "good pytorch", "bad compiled" split
    assert all(float(row.split()[-1]) > 0 for row in rows)
