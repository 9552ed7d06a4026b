"""``python -m benchmarks.gpu_suite --tiny`` on CPU: every section runs and prints its figures beside the
paper's, the figures are positive finite numbers, and ``--json`` writes them all; plus the paths the
tiny run cannot take here (an extrapolated epoch, a machine without Ray or the data libraries, trials
over their memory cap), each on its own."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from benchmarks import gpu_suite_sections, gpu_timing
from benchmarks.gpu_suite_study import SKIPPED, print_trials, read_trials, run_study_section
from mpis.config import ModelConfig, SimulationConfig, SolverConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
TITLES = ("== 1. Fashion-MNIST MPIS", "== 2. memory and step time", "== 3. MPIS vs IDE", "== 4. compiled vs eager",
          "== 5. Ray Tune study")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> tuple[str, dict]:
    """The whole suite once, as the CI command runs it: (its output, its JSON)."""
    path = tmp_path_factory.mktemp("suite") / "figures" / "suite.json"
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "benchmarks.gpu_suite", "--tiny", "--device", "cpu", "--json", str(path)],
                          cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, json.loads(path.read_text())


def positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def test_every_section_prints_its_figures_and_the_papers(tiny_run):
    output, _ = tiny_run
    for title in TITLES:
        assert title in output
    assert "FAILED" not in output
    assert output.count("paper:") >= 4  # sections 1-4 each print the paper's figures beside ours
    assert "paper: 30 s per epoch, 1.2G" in output and "0.21" in output


def test_the_header_names_device_torch_and_command(tiny_run):
    output, report = tiny_run
    header = report["header"]
    assert header["torch"] == torch.__version__ and header["tiny"] is True
    assert header["command"].startswith("python -m benchmarks.gpu_suite --tiny --device cpu --json")
    first = output.splitlines()[0]
    assert first.startswith("gpu_suite | device: CPU") and torch.__version__ in first
    assert header["command"] in output


def test_the_json_holds_every_section(tiny_run):
    _, report = tiny_run
    assert set(report) == {"header", "sections", "seconds"}
    assert list(report["sections"]) == list(gpu_suite_sections.SECTIONS)
    assert all(positive(section["seconds"]) for section in report["sections"].values())
    assert positive(report["seconds"])


def test_the_epoch_is_timed_and_says_how(tiny_run):
    output, report = tiny_run
    epoch = report["sections"]["epoch"]
    assert epoch["status"] == "ok" and epoch["T"] == 3 and epoch["images"] == 64
    for key in ("epoch_s", "measured_s", "peak_mb", "backward_iterations", "paper_epoch_s", "paper_memory_gb"):
        assert positive(epoch[key]), key
    assert ("full epoch" in output) == epoch["full_epoch"]
    assert epoch["data"].startswith(("real Fashion-MNIST", "synthetic")) and epoch["data"] in output


def test_memory_is_flat_in_t_for_mpis_and_ide_and_grows_for_bptt(tiny_run):
    output, report = tiny_run
    memory = report["sections"]["memory"]
    rows = {(r["label"], r["T"]): r for r in memory["rows"]}
    assert set(rows) == {(label, t) for label in ("MPIS", "IDE", "BPTT") for t in (3, 5)}
    for row in rows.values():
        assert row["status"] == "ok"
        for key in ("step_s", "saved_mb", "peak_mb", "parameters"):
            assert positive(row[key]), (row["label"], key)
    assert rows[("IDE", 3)]["parameters"] == 11_840_011 and "11,840,011" in output  # the 11.8M IDE network
    assert rows[("MPIS", 3)]["preset"] == "mpis_cifar10" and rows[("BPTT", 3)]["gradient"] == "bptt"
    assert memory["ratios"]["MPIS"]["saved_mb"] == memory["ratios"]["IDE"]["saved_mb"] == 1.0
    assert memory["ratios"]["BPTT"]["saved_mb"] > 1.2


def test_mpis_over_ide_is_the_ratio_of_their_steps(tiny_run):
    _, report = tiny_run
    ide = report["sections"]["ide"]
    assert positive(ide["ratio"])
    assert ide["ratio"] == pytest.approx(ide["mpis"]["step_s"] / ide["ide"]["step_s"])
    assert ide["paper_ratio"] == pytest.approx(0.21, abs=0.005)


def test_compiled_and_eager_arms_are_both_timed(tiny_run):
    output, report = tiny_run
    section = report["sections"]["compile"]
    assert section["status"] == "ok" and section["forced_eager"] is True and "force_eager" in output
    for arm in ("off", "on"):
        for key in ("simulation_first_s", "simulation_s", "step_first_s", "step_s"):
            assert positive(section[arm][key]), (arm, key)
    assert positive(section["simulation_speedup"]) and positive(section["step_speedup"])


def test_the_study_is_checked_or_skipped_without_ray(tiny_run):
    output, report = tiny_run
    study = report["sections"]["study"]
    try:
        import ray  # noqa: F401
    except ImportError:
        assert study["status"] == "skipped" and SKIPPED in output
        return
    assert study["status"] == "preflight" and study["trials_planned"] == 4 and study["concurrent"] == 4
    assert study["cpus_per_trial"] == 0.5 and "--budget smoke" in output


def test_an_epoch_over_its_budget_is_extrapolated():
    torch.manual_seed(0)
    config = ModelConfig(preset="mpis_digits", simulation=SimulationConfig(time_steps=2),
                         backward=SolverConfig(max_iter=2))
    model = gpu_timing.build_on(config, torch.device("cpu"))
    images, labels = torch.rand(64, 1, 8, 8), torch.arange(64) % 10
    result = gpu_timing.time_epoch(model, images, labels, batch_size=16, budget_s=0.0, device=torch.device("cpu"),
                                   warmup_batches=1)
    assert not result["full_epoch"] and result["batches_timed"] == 1 and result["batches"] == 4
    assert result["epoch_s"] == pytest.approx(4 * result["measured_s"])


def test_without_ray_the_study_section_is_skipped(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError, as on the GPU machine
    assert run_study_section(torch.device("cpu"), "run", 1.0)["status"] == "skipped"
    assert SKIPPED in capsys.readouterr().out


def test_synthetic_fashion_mnist_without_the_data(tmp_path):
    images, labels, source = gpu_suite_sections.fashion_mnist(tmp_path, 10)
    assert images.shape == (10, 1, 28, 28) and labels.shape == (10,) and source.startswith("synthetic")


def _trial(study: Path, name: str, peak_mb: float, fraction: float | None) -> None:
    folder = study / f"run_trial_{name}_1_x"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps({"epoch": 2, "trial_id": name, "peak_memory_mb": peak_mb,
                                                    "memory_kind": "cuda_max_allocated"}) + "\n")
    (folder / "mpis_attempts.jsonl").write_text(json.dumps({"attempt": 1, "gpu_memory_fraction": fraction}) + "\n")
    (folder / "mpis_config.json").write_text(json.dumps({"model.preset": "mpis_digits"}))


def test_each_trials_peak_is_held_against_its_own_cap(tmp_path, capsys):
    _trial(tmp_path, "aaaa", 200.0, 0.2375)
    _trial(tmp_path, "bbbb", 300.0, 0.2375)
    _trial(tmp_path, "cccc", 300.0, None)
    trials = read_trials(tmp_path, total_memory_mb=1000.0)
    assert [t["within_cap"] for t in trials] == [True, False, None]
    assert trials[0]["cap_mb"] == pytest.approx(237.5) and trials[0]["preset"] == "mpis_digits"
    print_trials(trials, 12.0)
    table = capsys.readouterr().out
    assert "3 trials in 12.0 s" in table and " NO" in table and "yes" in table


@pytest.mark.slow
@pytest.mark.integration
def test_the_study_section_runs_a_real_four_trial_study_on_cpu(capsys):
    result = run_study_section(torch.device("cpu"), "run", timeout_s=500)
    assert result["status"] == "ok" and len(result["trials"]) == 4
    assert all(positive(t["peak_mb"]) and t["within_cap"] is None for t in result["trials"])  # no cap on CPU
    assert "4 trials in" in capsys.readouterr().out
