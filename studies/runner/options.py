"""The command-line flags every study shares, parsed and checked before Ray is touched.

Bad input is one line on stderr and exit code 2 (argparse's convention), e.g.
``cifar10_sweep.py: error: argument --gpus-per-trial: --gpus-per-trial=1.5 is invalid; allowed: ...``.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.pareto import OBJECTIVES, parse_objectives
from mpis.cli import OneLineParser
from studies.runner.spec import StudySpec

DEFAULT_STORAGE = "results"  # relative to the working directory; git ignores /results/
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ADDRESS = re.compile(r"^(ray://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


@dataclass(frozen=True, kw_only=True)
class StudyOptions:
    address: str | None  # None: start a local Ray in this process
    num_samples: int | None  # None: the preset's
    max_concurrent: int | None  # None: the preset's
    cpus_per_trial: float
    gpus_per_trial: float
    storage_path: Path  # absolute
    name: str
    resume: bool
    budget: str | None  # None: the study's default (or, with --resume, the one it ran with)
    data_dir: str | None  # absolute, or None for $MPIS_DATA_DIR / ./data
    seed: int | None  # None: 0 (or, with --resume, the one it ran with)
    dashboard_host: str
    max_failures: int
    arms: tuple[str, ...] | None  # grid studies: run only these variants (None: all)
    objectives: tuple[str, ...] | None  # names of analysis.pareto.OBJECTIVES; None: the study's one metric
    argv: tuple[str, ...]


def _checked(flag: str, convert, condition, allowed: str):
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not condition(value):
            raise argparse.ArgumentTypeError(f"{flag}={text} is invalid; allowed: {allowed}")
        return value
    return parse


def _address(text: str) -> str:
    match = _ADDRESS.match(text)
    if text != "auto" and not (match and 1 <= int(match.group(3)) <= 65535):
        raise argparse.ArgumentTypeError(
            f"--address={text} is invalid; allowed: HOST:PORT of a Ray head (e.g. 10.0.0.1:6379), "
            "ray://HOST:PORT (Ray Client) or auto")
    return text


def _dashboard_host(text: str) -> str:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if text != "localhost":
            raise argparse.ArgumentTypeError(f"--dashboard-host={text} is invalid; allowed: an IP "
                                             "address such as 127.0.0.1 (default) or 0.0.0.0") from None
    return text


def _storage_path(text: str) -> Path:
    if "://" in text:
        raise argparse.ArgumentTypeError(f"--storage-path={text} is invalid; allowed: a directory on "
                                         "local disk or a shared file system (NFS) mounted on every node")
    return Path(text).expanduser().resolve()


def build_parser(spec: StudySpec, prog: str) -> OneLineParser:
    parser = OneLineParser(prog=prog, description=spec.description)
    budgets = "; ".join(f"{name}: {budget.description}" for name, budget in spec.budgets.items())
    add = parser.add_argument
    add("--address", type=_address, help="Ray cluster to join (HOST:PORT, ray://HOST:PORT or auto); "
        "default: start a local Ray here")
    add("--budget", choices=list(spec.budgets), help=f"how much to run ({budgets}); default: {spec.default_budget}")
    add("--num-samples", type=_checked("--num-samples", int, lambda v: v >= 1, "an integer >= 1"),
        help="trials (sweeps) or seeds per arm (grid studies); default: the preset's")
    add("--max-concurrent", type=_checked("--max-concurrent", int, lambda v: v >= 1, "an integer >= 1"),
        help="trials running at once; default: the preset's")
    add("--cpus-per-trial", type=_checked("--cpus-per-trial", float, lambda v: v > 0, "a number > 0"),
        default=1.0, help="CPUs each trial reserves (also its torch threads); default 1")
    add("--gpus-per-trial", type=_checked("--gpus-per-trial", float, _valid_gpus,
        "0, a fraction in (0, 1) or a whole number of GPUs"), default=0.0,
        help="GPUs each trial reserves; a fraction shares a GPU and caps its memory; default 0")
    add("--storage-path", type=_storage_path, default=DEFAULT_STORAGE,
        help="where study directories live (shared by every node on a cluster); default ./results")
    add("--name", type=_checked("--name", str, lambda v: bool(_NAME.match(v)),
        "letters, digits, '_', '-', '.' (not starting with '.', '-' or '_')"), default=spec.name,
        help=f"study directory name under --storage-path; default {spec.name}")
    add("--resume", action="store_true", help="continue the study --storage-path/--name after a crash")
    add("--data-dir", help="dataset root (default: $MPIS_DATA_DIR, else ./data)")
    add("--seed", type=_checked("--seed", int, lambda v: v >= 0, "an integer >= 0"),
        help="seed of the sampler and of the trials (grid studies: first of the seeds); default 0")
    add("--dashboard-host", type=_dashboard_host, default="127.0.0.1",
        help="interface of the local Ray's dashboard; default 127.0.0.1 (ignored with --address)")
    add("--max-failures", type=_checked("--max-failures", int, lambda v: v >= 0, "an integer >= 0"),
        default=2, help="restarts of a trial from its last checkpoint when its process dies; default 2")
    add("--objectives", type=_objectives, help="optimise several objectives at once with Optuna's multi-objective "
        f"sampler (sweeps; FIFO, no ASHA), comma-separated: {', '.join(OBJECTIVES)}; e.g. accuracy,energy; "
        "default: the study's one metric")
    if spec.variants:
        arms = ", ".join(spec.variants)
        add("--arms", nargs="+", metavar="ARM",
            type=_checked("--arms", str, lambda v: v in spec.variants, f"arms of this study: {arms}"),
            help=f"run only these arms (default: all: {arms})")
    return parser


def _objectives(text: str) -> tuple[str, ...]:
    try:
        return parse_objectives(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _valid_gpus(value: float) -> bool:
    return value == 0 or 0 < value < 1 or (value >= 1 and float(value).is_integer())


def parse_options(spec: StudySpec, argv: list[str], prog: str) -> StudyOptions:
    values = build_parser(spec, prog).parse_args(argv)
    data_dir = str(Path(values.data_dir).expanduser().resolve()) if values.data_dir else None
    return StudyOptions(address=values.address, num_samples=values.num_samples,
                        max_concurrent=values.max_concurrent, cpus_per_trial=values.cpus_per_trial,
                        gpus_per_trial=values.gpus_per_trial, storage_path=values.storage_path,
                        name=values.name, resume=values.resume, budget=values.budget,
                        data_dir=data_dir, seed=values.seed, dashboard_host=values.dashboard_host,
                        max_failures=values.max_failures, arms=tuple(getattr(values, "arms", None) or ()) or None,
                        objectives=values.objectives,
                        argv=(prog, *argv))
