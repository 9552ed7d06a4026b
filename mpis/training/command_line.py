"""The flags of ``python -m mpis.train`` and how they become an :class:`ExperimentConfig`.

Every config flag maps to one dotted config field; a flag that is not given keeps the config's
default (the IDE Fashion-MNIST recipe of ALGORITHMS.md §5.5, with T = 30), or the preset's own
default where it has one (``Preset.defaults``: a gsnn preset starts from its release, BPTT at T = 1,
V_th 0.5, decay 0.4, and Fashion-MNIST padded to 32x32 for ``gsnn_fmnist_*``). Parse errors print one
line and exit with code 2 (argparse's code), without the usage block. :func:`check_output_paths`
makes sure ``--json-out`` and ``--checkpoint-dir`` can be written before any data is read. Nothing
here imports torch, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from mpis.cli import OneLineParser
from mpis.config import ExperimentConfig
from mpis.config_io import config_from_dict
from mpis.data.data_root import resolve_data_root

# flag -> (config field, type, help); "flag" type means store_true
CONFIG_FLAGS: dict[str, tuple[str, object, str]] = {
    "--preset": ("model.preset", str, "model preset, e.g. ide_fmnist_f400 (see mpis.models.PRESETS)"),
    "--dataset": ("data.dataset", str, "mnist, fashion_mnist, nmnist, cifar10, cifar100 or digits"),
    "--epochs": ("train.epochs", int, "training epochs (default 100)"),
    "--time-steps": ("model.simulation.time_steps", int, "simulation steps T (default 30)"),
    "--forward-tol": ("model.simulation.forward_tol", float, "stop the simulation early below this change (0 = off)"),
    "--forward-min-steps": ("model.simulation.forward_min_steps", int, "never stop before this many steps"),
    "--v-threshold": ("model.neuron.v_threshold", float, "firing threshold V_th (default 2.0)"),
    "--leak": ("model.neuron.leak", float, "leak lambda in (0, 1]; 1 = IF (default), e.g. 0.95 = LIF"),
    "--initial-potential": ("model.neuron.initial_potential", float,
                            "membrane potential before step 0, as a fraction of V_th (default 0.0)"),
    "--solver": ("model.backward.name", str, "backward solver: broyden, anderson, fixed_point, neumann, one_step"),
    "--backward-max-iter": ("model.backward.max_iter", int, "backward solver iterations (default 30)"),
    "--backward-tol": ("model.backward.tol", float, "backward relative residual tolerance (default 1e-4)"),
    "--backward-damping": ("model.backward.damping", float, "fixed_point damping eta in (0, 1]"),
    "--backward-memory": ("model.backward.memory", int, "broyden/anderson history length"),
    "--backward-fallback": ("model.backward.fallback", str, "replaces a failed solve: anderson (default) or one_step"),
    "--max-fallback-share": ("model.backward.max_fallback_share", float,
                             "diverged once more than this share of an epoch's steps fell back (default 0.5)"),
    "--gradient": ("model.gradient", str, "implicit (default) or bptt"),
    "--surrogate": ("model.surrogate", str, "BPTT surrogate: sigmoid, triangle or rectangle"),
    "--dropout": ("model.dropout", float, "variational dropout p (default 0.2)"),
    "--spectral-bound": ("model.spectral_bound", "optional_float",
                         "spectral-norm bound c of every feedback weight, or none (default 1.0)"),
    "--hidden-bn": ("model.hidden_bn", str, "hidden BNs in the training f: running (default) or batch"),
    "--compile": ("model.compile", str, "torch.compile the simulation steps and f: auto (CUDA only, default), on, off"),
    "--jacobian-reg": ("model.jacobian_reg", float, "weight of the Jacobian penalty ||J||_F^2 / D (default 0)"),
    "--jacobian-reg-every": ("model.jacobian_reg_every", int, "add the Jacobian penalty every k steps (default 1)"),
    "--streams": ("model.streams", int, "MPIS: number of streams (default: the preset's)"),
    "--depth": ("model.depth", int, "MPIS: spiking layers per stream (default: the preset's)"),
    "--cell": ("model.gsnn.cell", str, "gsnn: token-mixer cell cnn, lstm, gru or rnn (default: the preset's)"),
    "--bidirectional": ("model.gsnn.bidirectional", "on_off", "gsnn recurrent cells: on (release) or off"),
    "--window-ratio": ("model.gsnn.window_ratio", float, "gsnn: dilated window side / map side, in (0.5, 1)"),
    "--window-ratio-fallback": ("model.gsnn.window_ratio_fallback", float,
                                "gsnn: ratio on maps where --window-ratio gives no integer side (e.g. 0.75)"),
    "--window-schedule": ("model.gsnn.window_schedule", str, "gsnn: alternate, always_regular or always_dilated"),
    "--fusion-mode": ("model.gsnn.fusion_mode", str, "gsnn: product (paper), nested (release), mean, sum or none"),
    "--theta": ("model.gsnn.theta", float, "gsnn: radian factor of product/nested fusion (release 0.5)"),
    "--region-threshold": ("model.gsnn.region_threshold", "float_or_off", "gsnn: Th_R in [0, 1), or off"),
    "--region-fill": ("model.gsnn.region_fill", str, "gsnn: values <= Th_R are kept (keep) or zeroed (zero)"),
    "--encoder": ("model.gsnn.encoder", str, "gsnn cell input: bernoulli (release), bernoulli_st or direct"),
    "--depths": ("model.gsnn.depths", "ints", "gsnn: residual blocks per stage, e.g. 2 2 6 2"),
    "--surrogate-width": ("model.gsnn.surrogate_width", float, "gsnn: half-width of the rectangular surrogate"),
    "--optimizer": ("train.optimizer", str, "sgd (default, momentum) or adam"),
    "--lr": ("train.learning_rate", float, "initial learning rate (default 0.05)"),
    "--momentum": ("train.momentum", float, "SGD momentum (default 0.9)"),
    "--weight-decay": ("train.weight_decay", float, "weight decay on every parameter (default 5e-4)"),
    "--milestones": ("train.milestones", "ints", "epochs at which the lr decays (default 30 60 90)"),
    "--lr-decay": ("train.lr_decay", float, "lr factor at each milestone (default 0.1)"),
    "--warmup": ("train.warmup_iterations", int, "linear warm-up iterations (default 0)"),
    "--gradient-clip": ("train.gradient_clip", "optional_float",
                        "clip the gradient's global L2 norm to this, or none (default none; gsnn presets 20)"),
    "--device": ("train.device", str, "auto (CUDA when available; default), cpu or cuda"),
    "--bn-calibration-samples": ("train.bn_calibration_samples", int,
                                 "training samples that calibrate the hidden BNs before step 1 (default 256, 0 = off)"),
    "--spectral-radius-every": ("train.spectral_radius_every", int,
                                "estimate rho(J) every N steps (default 0: once per epoch)"),
    "--energy-preset": ("train.energy_preset", str,
                        "number format of the energy estimate: fp32 (default), fp16 or int8 (Horowitz 2014, 45 nm)"),
    "--batch-size": ("data.batch_size", int, "training batch size (default 128)"),
    "--test-batch-size": ("data.test_batch_size", int, "test batch size (default 200)"),
    "--limit-train": ("data.limit_train", int, "class-balanced, seeded training subset size"),
    "--limit-test": ("data.limit_test", int, "class-balanced test subset size (fixed across seeds)"),
    "--crop-nmnist": ("data.crop_nmnist", "flag", "crop N-MNIST to 32x32 (MPIS presets)"),
    "--pad-to": ("data.pad_to", int, "zero-pad images to this side (gsnn_fmnist_* presets: 32, their default)"),
    "--num-workers": ("data.num_workers", int, "DataLoader worker processes (default 0)"),
    "--data-dir": ("data.data_dir", str, "data root (else $MPIS_DATA_DIR, else ./data)"),
    "--seed": ("seed", int, "seed of every RNG and of the training subset (default 0)"),
}
FIELD_TO_FLAG = {field.rsplit(".", 1)[-1]: flag for flag, (field, _, _) in CONFIG_FLAGS.items()}


def thread_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--threads={text} is invalid; allowed: an integer >= 1")
    return int(text)


def float_or_none(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def float_or_off(text: str) -> float | str:
    return "off" if text.lower() == "off" else float(text)


def on_off(text: str) -> bool:
    if text.lower() not in ("on", "off"):
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; allowed: on or off")
    return text.lower() == "on"


ARGUMENT_TYPES = {"optional_float": float_or_none, "float_or_off": float_or_off, "on_off": on_off}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m mpis.train", argument_default=argparse.SUPPRESS,
                           description="Train one equilibrium SNN (one trial, no Ray).")
    for flag, (_, kind, text) in CONFIG_FLAGS.items():
        if kind == "flag":
            parser.add_argument(flag, action="store_true", help=text)
        elif kind == "ints":
            parser.add_argument(flag, type=int, nargs="*", help=text)
        elif kind in ARGUMENT_TYPES:
            parser.add_argument(flag, type=ARGUMENT_TYPES[kind], help=text)
        else:
            parser.add_argument(flag, type=kind, help=text)
    parser.add_argument("--resume", help="continue from this checkpoint directory (epoch_NNNN)")
    parser.add_argument("--checkpoint-dir", help="keep the latest checkpoint under this folder")
    parser.add_argument("--json-out", help="write config, per-epoch metrics and summary here (JSON)")
    parser.add_argument("--threads", type=thread_count, help="torch CPU threads, >= 1 (default: torch's choice)")
    return parser


def check_output_paths(json_out: str | None, checkpoint_dir: str | None) -> None:
    """A ``ValueError`` naming the flag when ``--json-out`` cannot be written (a directory, under a
    file, no permission) or ``--checkpoint-dir`` cannot hold a checkpoint; probed by writing."""
    if json_out:
        target = Path(json_out).expanduser().resolve()
        if target.is_dir():
            raise ValueError(f"--json-out={json_out} is invalid; allowed: a file path (it is a directory)")
        _probe_directory("--json-out", json_out, target.parent)
    if checkpoint_dir:
        target = Path(checkpoint_dir).expanduser().resolve()
        if target.exists() and not target.is_dir():
            raise ValueError(f"--checkpoint-dir={checkpoint_dir} is invalid; allowed: a directory (it is a file)")
        _probe_directory("--checkpoint-dir", checkpoint_dir, target)


def _probe_directory(flag: str, given: str, directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(prefix=".mpis-probe-", dir=directory)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise ValueError(f"{flag}={given} is invalid; allowed: a path this user can write "
                         f"({error.strerror or type(error).__name__}: {error.filename or directory})") from None


def config_from_arguments(arguments: argparse.Namespace) -> ExperimentConfig:
    """The default config with every given flag applied; a ``ValueError`` names the bad flag."""
    given = vars(arguments)
    values = {field: given[flag[2:].replace("-", "_")] for flag, (field, _, _) in CONFIG_FLAGS.items()
              if flag[2:].replace("-", "_") in given}
    if values.get("data.data_dir"):  # absolute now, whatever directory the training later runs in
        values["data.data_dir"] = str(resolve_data_root(values["data.data_dir"]))
    try:
        from mpis.models import with_preset_defaults  # imports torch: after --help
        from mpis.registries import check_names

        base = with_preset_defaults(ExperimentConfig(), values.get("model.preset"))
        config = config_from_dict(values, base=base)
        check_names(config)
        return config
    except ValueError as error:
        field = str(error).split("=", 1)[0]
        raise ValueError(f"{FIELD_TO_FLAG[field]}: {error}" if field in FIELD_TO_FLAG else str(error)) from None
