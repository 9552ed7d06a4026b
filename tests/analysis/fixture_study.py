"""Run a real, tiny Ray Tune study whose trainable reports our metric names (synthetic values).

``python tests/analysis/fixture_study.py STORAGE_DIR [RAY_TEMP_DIR]`` writes ``STORAGE_DIR/fixture/``
(Ray's temp dir defaults to $RAY_TMPDIR):
Ray's trial folders (params.json, result.json, progress.csv), our ``mpis_study.json`` and
``mpis_config.json`` files, and an Optuna journal (OptunaSearch with JournalStorage). The trials
cover the paper tables A, B, C, D and M, several seeds, one erroring and one diverging trial.
Metric values are deterministic functions of the config, so tests can recompute what tables show.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sys
from pathlib import Path

STUDY_NAME = "fixture"
EPOCHS = 3
# (preset, gradient, T, leak, seed, learning_rate)
CASES = [
    ("mpis_fmnist", "implicit", 30, 1.0, 0, 0.03), ("mpis_fmnist", "implicit", 30, 1.0, 1, 0.03),
    ("mpis_fmnist", "implicit", 100, 1.0, 0, 0.03), ("mpis_fmnist", "implicit", 10, 1.0, 0, 0.01),
    ("cnn_fmnist", "bptt", 30, 1.0, 0, 0.05), ("cnn_fmnist", "bptt", 30, 1.0, 1, 0.05),
    ("cnn_fmnist", "bptt", 100, 1.0, 0, 0.05), ("mpis_nmnist", "implicit", 30, 1.0, 0, 0.02),
    ("mpis_cifar10", "implicit", 30, 1.0, 0, 0.1), ("ide_cifar10_cifarnetf", "implicit", 30, 1.0, 0, 0.1),
    ("ide_fmnist_f400", "implicit", 5, 1.0, 0, 0.05), ("ide_fmnist_f400", "implicit", 5, 1.0, 1, 0.05),
    ("ide_fmnist_f400", "implicit", 5, 1.0, 2, 0.05), ("ide_fmnist_f400", "implicit", 5, 0.95, 0, 0.05),
    ("ide_cifar10_alexnetf", "implicit", 30, 1.0, 0, 0.05), ("ide_cifar10_alexnetf", "bptt", 30, 0.99, 0, 0.05),
    ("ide_digits_f64c5", "implicit", 5, 1.0, 0, 0.05),  # raises: an errored trial
    ("mpis_fmnist", "implicit", 30, 1.0, 2, 0.9),  # learning rate too high: a diverged trial
]
BASE_ACCURACY = {"mpis_fmnist": 92.0, "cnn_fmnist": 89.0, "mpis_nmnist": 99.0, "mpis_cifar10": 92.5,
                 "ide_cifar10_cifarnetf": 90.0, "ide_fmnist_f400": 89.8, "ide_cifar10_alexnetf": 91.0}
PARAMETERS = {"mpis_fmnist": 100682, "cnn_fmnist": 112762, "mpis_nmnist": 185578, "mpis_cifar10": 11_800_000,
              "ide_cifar10_cifarnetf": 11_840_011, "ide_fmnist_f400": 478_811, "ide_cifar10_alexnetf": 3_709_515}
LAYOUT = {"mpis": (2, 3), "cnn": (1, 3), "ide_fmnist_f400": (1, 1), "ide_cifar10_alexnetf": (1, 5)}


def layout(preset: str) -> tuple[int, int]:
    """(streams, layers per stream) of a preset, for the firing-rate metrics."""
    return LAYOUT.get(preset, LAYOUT.get(preset.split("_")[0], (1, 1)))


def epoch_metrics(flat: dict, epoch: int) -> dict:
    """The synthetic metrics of one epoch (our metric names, deterministic in the config)."""
    preset, steps, seed = flat["model.preset"], flat["model.simulation.time_steps"], flat["seed"]
    bptt = flat["model.gradient"] == "bptt"
    accuracy = BASE_ACCURACY[preset] + 0.2 * seed + 0.1 * steps / 30 - 1.0 / epoch
    streams, layers = layout(preset)
    rates = {f"firing_rate_s{s}_l{layer}": 0.01 * layer + 0.002 * s + 0.0001 * seed + 0.0002 * epoch
             for s in range(streams) for layer in range(1, layers + 1)}
    return {"epoch": epoch, "train_loss": 2.0 / epoch, "test_accuracy": accuracy,
            "best_test_accuracy": accuracy, "epoch_time_s": 0.02 * steps * (1.5 if bptt else 1.0) + 0.1 * seed + 0.01 * epoch,
            "samples_per_s": 1000.0 / steps, "peak_memory_mb": 400.0 + (20.0 * steps if bptt else 50.0) + epoch,
            "memory_kind": "cpu_peak_rss", "firing_rate_total": sum(rates.values()) / len(rates), **rates,
            "rate_step_change": 1.0 / steps, "forward_steps": float(steps), "backward_steps": 0.0 if bptt else 12.0,
            "fixed_point_residual": None if bptt else 0.5 / steps + 0.01 / epoch,
            "fixed_point_residual_max": None if bptt else 0.6 / steps + 0.01 / epoch,
            "spectral_radius": None if bptt else 0.3 + 0.1 / epoch, "backward_fallbacks": 0 if bptt else epoch % 2,
            "backward_residual": None if bptt else 1e-4, "parameters": PARAMETERS.get(preset, 1000),
            "neurons": 1000 * layers, "node": socket.gethostname(), "device": "cpu"}


def trainable(config: dict, experiment: str) -> None:
    """Write mpis_config.json into the trial's folder under storage, then report EPOCHS epochs."""
    from ray import tune

    model = config["model"]
    flat = {"model.preset": model["preset"], "model.gradient": model["gradient"],
            "model.simulation.time_steps": model["simulation"]["time_steps"],
            "model.neuron.leak": model["neuron"]["leak"], "model.neuron.v_threshold": 2.0,
            "train.learning_rate": config["train"]["learning_rate"], "train.epochs": EPOCHS,
            "data.dataset": "fashion_mnist", "seed": config["seed"]}
    trial_folder = Path(experiment) / Path(tune.get_context().get_trial_dir()).name
    trial_folder.mkdir(parents=True, exist_ok=True)
    (trial_folder / "mpis_config.json").write_text(json.dumps(flat))
    if flat["model.preset"] == "ide_digits_f64c5":
        raise RuntimeError("synthetic failure of the fixture trainable")
    for epoch in range(1, EPOCHS + 1):
        metrics = epoch_metrics(flat, epoch)
        if flat["train.learning_rate"] > 0.5:
            tune.report({**metrics, "train_loss": math.nan, "status": "diverged"})
            return
        tune.report(metrics)


def point(case: tuple) -> dict:
    """One case as OptunaSearch's points_to_evaluate wants it: flat, "/"-joined names."""
    preset, gradient, steps, leak, seed, learning_rate = case
    return {"model/preset": preset, "model/gradient": gradient, "model/simulation/time_steps": steps,
            "model/neuron/leak": leak, "train/learning_rate": learning_rate, "seed": seed}


def run_study(storage: Path, ray_temp: str) -> Path:
    import ray
    from optuna.samplers import TPESampler
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch

    experiment = storage / STUDY_NAME
    experiment.mkdir(parents=True, exist_ok=True)
    space = {"model": {"preset": tune.choice(sorted({c[0] for c in CASES})),
                       "gradient": tune.choice(["implicit", "bptt"]),
                       "simulation": {"time_steps": tune.choice([5, 10, 30, 100])},
                       "neuron": {"leak": tune.choice([1.0, 0.95, 0.99])}},
             "train": {"learning_rate": tune.loguniform(1e-3, 1.0)}, "seed": tune.choice([0, 1, 2])}
    journal = JournalStorage(JournalFileBackend(str(experiment / "optuna_journal.log")))
    search = OptunaSearch(metric="best_test_accuracy", mode="max", sampler=TPESampler(seed=0),
                          storage=journal, study_name=STUDY_NAME, points_to_evaluate=[point(c) for c in CASES])
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=300 * 2**20, _temp_dir=ray_temp,
             log_to_driver=False)
    try:
        tuner = tune.Tuner(tune.with_parameters(trainable, experiment=str(experiment)), param_space=space,
                           tune_config=tune.TuneConfig(num_samples=len(CASES), search_alg=search, reuse_actors=True),
                           run_config=tune.RunConfig(name=STUDY_NAME, storage_path=str(storage), verbose=0))
        tuner.fit()
    finally:
        ray.shutdown()
    info = {"study": STUDY_NAME, "table": "all", "hardware": "2-core CPU test machine (fixture)",
            "ray_version": ray.__version__, "started": "fixture", "argv": sys.argv,
            "metric": "best_test_accuracy", "mode": "max"}
    (experiment / "mpis_study.json").write_text(json.dumps(info))
    return experiment


if __name__ == "__main__":
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    print(run_study(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else os.environ["RAY_TMPDIR"]))
