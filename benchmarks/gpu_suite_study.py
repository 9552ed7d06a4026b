"""Section 5 of ``benchmarks.gpu_suite``: a 4-trial Ray Tune study through the project's study runner,
each trial on a fraction of the GPU, and every trial's peak memory against the cap that fraction sets.

``studies/quickstart.py --budget smoke`` (4 small trials on scikit-learn's digits) runs in a child
process with its own Ray (own HOME, temp dir and token file; ``RAY_ADDRESS`` unset, so a Ray already
running on the machine is never joined or touched). A trial with ``--gpus-per-trial 0.25`` caps its
process at 95 % of a quarter of the GPU's memory (``studies.runner.trainable``; the fraction applied
is in its ``mpis_attempts.jsonl``); its peak (``peak_memory_mb`` of its last ``result.json`` row,
``torch.cuda.max_memory_allocated``) must stay under that cap.

``mode="preflight"`` (``--tiny`` on CPU, where the study takes minutes) parses the same flags and runs
the checks the runner makes before Ray starts (settings, configs, data), without starting Ray.
Ray and Optuna are imported only here and only when present.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = REPO_ROOT / "studies" / "quickstart.py"
TRIALS = 4
GPUS_PER_TRIAL = 0.25
CPU_FRACTION_PER_TRIAL = 0.5
SKIPPED = ("skipped: ray is not installed here (carry its wheels, see ../shared/design/ECOSYSTEM.md / "
           "the device README)")


def study_arguments(device: torch.device, storage: Path) -> list[str]:
    """The quickstart's flags: 4 smoke trials at once, 0.25 GPU each (on CPU: half a CPU each)."""
    if device.type == "cuda":
        cpus = max(1, (os.cpu_count() or 4) // (2 * TRIALS))
        share = ["--gpus-per-trial", str(GPUS_PER_TRIAL), "--cpus-per-trial", str(cpus)]
    else:
        share = ["--gpus-per-trial", "0", "--cpus-per-trial", str(CPU_FRACTION_PER_TRIAL)]
    return ["--budget", "smoke", "--num-samples", str(TRIALS), "--max-concurrent", str(TRIALS), *share,
            "--storage-path", str(storage), "--name", "gpu_suite"]


def run_study_section(device: torch.device, mode: str, timeout_s: float) -> dict:
    """``mode``: "run" (the study) or "preflight" (its flags and checks, no Ray)."""
    try:
        import ray  # noqa: F401 (only here: the GPU machine may have neither Ray nor Optuna)
    except ImportError:
        print(SKIPPED)
        return {"status": "skipped", "reason": SKIPPED}
    storage = Path(tempfile.mkdtemp(prefix="gs", dir="/tmp"))  # short: Ray's socket paths are limited
    try:
        arguments = study_arguments(device, storage)
        print("flags: studies/quickstart.py " + " ".join(arguments))
        if mode == "preflight":
            return _preflight(arguments)
        return _run(arguments, storage, device, timeout_s)
    finally:
        shutil.rmtree(storage, ignore_errors=True)


def _preflight(arguments: list[str]) -> dict:
    from studies.quickstart import SPEC
    from studies.runner.options import parse_options
    from studies.runner.preflight import check_data_present, check_study_configs
    from studies.runner.settings import resolve_settings

    start = time.perf_counter()
    options = parse_options(SPEC, arguments, "quickstart.py")
    settings = resolve_settings(SPEC, options)
    configs = check_study_configs(SPEC, settings)
    check_data_present(configs)
    seconds = time.perf_counter() - start
    print(f"preflight only (the study itself takes minutes on this CPU; --study-mode run runs it): "
          f"{settings.num_samples} trials, {settings.max_concurrent} at once, {len(configs)} presets checked, "
          f"data present, in {seconds:.1f} s")
    return {"status": "preflight", "trials_planned": settings.num_samples, "concurrent": settings.max_concurrent,
            "cpus_per_trial": options.cpus_per_trial, "gpus_per_trial": options.gpus_per_trial,
            "presets_checked": len(configs), "seconds": seconds}


def _environment(home: Path) -> dict[str, str]:
    environment = {**os.environ, "HOME": str(home), "RAY_TMPDIR": str(home / "r"), "RAY_AUTH_MODE": "token",
                   "RAY_AUTH_TOKEN_PATH": str(home / "auth_token"), "RAY_USAGE_STATS_ENABLED": "0",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    environment.pop("RAY_ADDRESS", None)
    return environment


def _run(arguments: list[str], storage: Path, device: torch.device, timeout_s: float) -> dict:
    home = storage / "home"
    home.mkdir()
    if device.type == "cuda":
        torch.cuda.empty_cache()  # what this process cached stays out of the trials' way
    log = storage / "study.log"
    start = time.perf_counter()
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, str(QUICKSTART), *arguments], cwd=REPO_ROOT,
                                   env=_environment(home), stdout=output, stderr=subprocess.STDOUT)
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.terminate()  # SIGTERM: the driver shuts its own Ray down
            code = process.wait(timeout=60)
            print(f"timed out after {timeout_s:.0f} s")
    wall = time.perf_counter() - start
    if code != 0:
        tail = log.read_text()[-2000:]
        raise RuntimeError(f"the study exited with status {code} after {wall:.0f} s; its log ends:\n{tail}")
    total_mb = torch.cuda.get_device_properties(device).total_memory / 2**20 if device.type == "cuda" else None
    trials = read_trials(storage / "gpu_suite", total_mb)
    print_trials(trials, wall)
    return {"status": "ok", "wall_s": wall, "trials": trials,
            "all_within_cap": all(t["within_cap"] is not False for t in trials)}


def read_trials(study: Path, total_memory_mb: float | None) -> list[dict]:
    """Per trial folder: its last reported peak memory, the memory fraction its process was capped at
    (None without a GPU) and whether the peak stayed under that cap."""
    trials = []
    for folder in sorted(p for p in study.iterdir() if (p / "result.json").is_file()):
        rows = [json.loads(line) for line in (folder / "result.json").read_text().splitlines() if line.strip()]
        attempts = [json.loads(line) for line in (folder / "mpis_attempts.jsonl").read_text().splitlines()
                    if line.strip()] if (folder / "mpis_attempts.jsonl").is_file() else []
        config_file = folder / "mpis_config.json"
        config = json.loads(config_file.read_text()) if config_file.is_file() else {}
        fraction = next((a["gpu_memory_fraction"] for a in attempts if a.get("gpu_memory_fraction")), None)
        last = rows[-1] if rows else {}
        cap = fraction * total_memory_mb if fraction and total_memory_mb else None
        peak = last.get("peak_memory_mb")
        trials.append({"trial": last.get("trial_id", folder.name), "preset": config.get("model.preset"),
                       "epochs": last.get("epoch"), "peak_mb": peak, "memory_kind": last.get("memory_kind"),
                       "memory_fraction": fraction, "cap_mb": cap,
                       "within_cap": None if cap is None or peak is None else peak <= cap})
    return trials


def print_trials(trials: list[dict], wall_s: float) -> None:
    print(f"{len(trials)} trials in {wall_s:.1f} s (Ray start and stop included)")
    print(f"{'trial':10} {'preset':18} {'epochs':>6} {'peak MB':>9} {'cap MB':>9}  within cap")
    for t in trials:
        cap = f"{t['cap_mb']:9.0f}" if t["cap_mb"] else f"{'none':>9}"
        within = {True: "yes", False: "NO", None: f"no cap ({t['memory_kind']})"}[t["within_cap"]]
        peak = f"{t['peak_mb']:9.1f}" if t["peak_mb"] is not None else f"{'-':>9}"
        print(f"{t['trial']:10} {str(t['preset']):18} {str(t['epochs']):>6} {peak} {cap}  {within}")
