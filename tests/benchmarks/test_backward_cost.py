"""The backward-cost benchmark prints, per solver, the VJPs a backward spends and its overhead."""

from benchmarks import backward_cost


def test_command_prints_iterations_and_overhead_per_solver(capsys):
    backward_cost.main(["--models", "ide_fmnist_f400:8", "--steps", "5", "--solvers", "broyden", "one_step",
                        "--repeats", "1"])
    rows = {line.split()[3]: line.split() for line in capsys.readouterr().out.splitlines()
            if line.startswith("ide_fmnist_f400")}
    assert set(rows) == {"broyden", "one_step"}
    assert int(rows["broyden"][8]) >= 1 and float(rows["broyden"][9]) > 0  # iters, overhead
    assert int(rows["one_step"][8]) == 0  # max_iter=0-style one-step: no VJP in the solve
