"""``run_study_cli(SPEC)``: the ``main`` of every study file.

Order: parse flags -> resolve the study's settings -> check arms, presets and (locally) data ->
join or start Ray -> check the cluster's resources -> print the dashboard URL -> run -> summarise.
Everything before "run" fails with one line and exit code 2 before any trial starts.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Sequence

import ray
from ray import tune

from mpis.cli import EXIT_BAD_INPUT
from mpis.data import DatasetMissing
from studies.runner.options import StudyOptions, parse_options
from studies.runner.preflight import check_data_present, check_study_configs
from studies.runner.ray_connection import (
    RayConnection,
    check_authentication_mode,
    check_local_gpus,
    check_resources,
    connect,
)
from studies.runner.settings import StudySettings, resolve_settings
from studies.runner.spec import StudySpec
from studies.runner.study_run import run_study
from studies.runner.summary import summarize


def prepare(spec: StudySpec, options: StudyOptions) -> tuple[StudySettings, RayConnection]:
    """Resolve and check everything a study needs; raises ``ValueError`` or ``DatasetMissing``."""
    check_authentication_mode()
    settings = resolve_settings(spec, options)
    configs = check_study_configs(spec, settings)
    if options.address is None and not ray.is_initialized():
        check_local_gpus(options)  # before a local Ray starts (and prints its start-up lines)
        check_data_present(configs)  # on a cluster the data lives on the workers, not here
    connection = connect(options)
    try:
        check_resources(options)
    except ValueError:
        if connection.started_here:
            ray.shutdown()
        raise
    return settings, connection


def print_dashboard(connection: RayConnection, options: StudyOptions) -> None:
    if connection.dashboard_url is None:
        print("Ray dashboard: not running (this Ray was started without it)", flush=True)
        return
    print(f"Ray dashboard: {connection.dashboard_url} (token authentication: the token is printed by "
          "`ray get-auth-token` on the head node)", flush=True)
    if connection.started_here and options.dashboard_host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Note: the dashboard listens on {options.dashboard_host}; anyone who can reach it and "
              "holds the token can run code on this machine.", flush=True)


def run_study_cli(spec: StudySpec, argv: Sequence[str] | None = None, *, prog: str | None = None,
                  callbacks: Sequence[tune.Callback] = ()) -> int:
    """Run ``spec`` with command-line ``argv``; returns the exit status (0, 1 all failed, 2 bad input)."""
    prog = prog or Path(sys.argv[0]).name
    options = parse_options(spec, list(sys.argv[1:] if argv is None else argv), prog)
    if options.arms and options.resume:
        print(f"{prog}: error: --arms is invalid with --resume; allowed: leave it out (a resumed study "
              "runs the arms it started with)", file=sys.stderr, flush=True)
        return EXIT_BAD_INPUT
    if options.arms:
        spec = dataclasses.replace(spec, variants={arm: spec.variants[arm] for arm in options.arms})
    if options.objectives:
        spec = dataclasses.replace(spec, objectives=options.objectives)
    try:
        settings, connection = prepare(spec, options)
    except (ValueError, DatasetMissing) as error:
        print(f"{prog}: error: {error}", file=sys.stderr, flush=True)
        return EXIT_BAD_INPUT
    try:
        print_dashboard(connection, options)
        print(f"Study {options.name} ({spec.search}, budget {settings.budget_name}): {settings.experiment_dir}",
              flush=True)
        results = run_study(spec, options, settings, callbacks)
        return summarize(results, spec, settings)
    finally:
        if connection.started_here:
            ray.shutdown()
