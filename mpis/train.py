"""``python -m mpis.train``: one training run (one trial) without Ray.

Example (the IDE Fashion-MNIST recipe on a quick subset)::

    python -m mpis.train --preset ide_fmnist_f400 --dataset fashion_mnist --epochs 1 --time-steps 5 \\
        --solver broyden --backward-max-iter 30 --backward-tol 1e-4 --lr 0.05 --batch-size 128 \\
        --limit-train 2000 --limit-test 1000 --seed 0 --data-dir ../shared/data --json-out out.json

Says what it loaded (data, model, parameters, device) before the first epoch, shows a progress bar
inside each epoch on a terminal, and prints one line per epoch. Exit codes: 0 done; 2 bad input or
missing data (one line on stderr, before any data is loaded or any training runs); 3 the training
diverged. Flags are parsed before torch is imported, so ``--help`` answers at once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from mpis.cli import EXIT_BAD_INPUT, EXIT_DIVERGED
from mpis.training.command_line import (
    build_parser,
    check_output_paths,
    config_from_arguments,
)


def _write_json(path: str, record: dict[str, Any]) -> None:
    """Atomically (temporary file, then rename), so a reader never sees half a file."""
    from mpis.training.checkpoints import json_safe

    target = Path(path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    record = dict(record, epochs=[json_safe(m) for m in record["epochs"]])
    staging.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(staging, target)


def _error(message: object) -> int:
    print(f"python -m mpis.train: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    json_out, checkpoint_dir = getattr(arguments, "json_out", None), getattr(arguments, "checkpoint_dir", None)
    resume = getattr(arguments, "resume", None)
    try:
        config = config_from_arguments(arguments)
        check_output_paths(json_out, checkpoint_dir)
    except ValueError as error:
        return _error(error)

    import torch

    from mpis.config_io import config_to_flat_dict
    from mpis.data import DatasetMissing
    from mpis.training import TrainingDiverged, fit
    from mpis.training.checkpoints import load_checkpoint
    from mpis.training.compatibility import check_preset_fits_dataset
    from mpis.training.device import resolve_device
    from mpis.training.progress import format_progress_line

    try:
        check_preset_fits_dataset(config.model, config.data)
        resolve_device(config.train.device)
        earlier = load_checkpoint(resume)["history"] if resume else []
    except ValueError as error:
        return _error(error)
    if getattr(arguments, "threads", None):
        torch.set_num_threads(arguments.threads)
    record: dict[str, Any] = {"config": config_to_flat_dict(config), "status": "running", "epochs": list(earlier)}

    def report(metrics: dict[str, Any], checkpoint: str) -> None:
        print(format_progress_line(metrics, config.train.epochs), flush=True)
        record["epochs"].append(metrics)
        record["checkpoint"] = checkpoint if checkpoint_dir else None
        if json_out:
            _write_json(json_out, record)

    try:
        summary = fit(config, report, resume_from=resume, checkpoint_root=checkpoint_dir,
                      log=lambda line: print(line, flush=True))
    except (ValueError, DatasetMissing) as error:
        return _error(error)
    except TrainingDiverged as error:
        print(f"python -m mpis.train: {error}", file=sys.stderr)
        record.update(status="diverged", diverged={"what": error.what, "epoch": error.epoch, "step": error.step})
        if json_out:
            _write_json(json_out, record)
        return EXIT_DIVERGED
    record.update(status="done", best_test_accuracy=summary.best_test_accuracy, epochs_run=summary.epochs_run)
    if json_out:
        _write_json(json_out, record)
    print(f"best test accuracy {summary.best_test_accuracy:.2f}% over {len(summary.history)} epochs", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
