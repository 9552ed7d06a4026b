"""Search-space fragments the sweeps share, with ALGORITHMS.md §8's ranges.

Every fragment is a nested dict mirroring ``ExperimentConfig`` (``tests/studies`` checks each leaf
is a real config field). ``model.streams`` and ``model.depth`` only apply to MPIS presets; IDE trials
never sample them, and ``model.gsnn`` only applies to gsnn presets (see ``studies/runner/space.py``).
"""

from __future__ import annotations

from typing import Any

from ray import tune

from mpis.registries import registered_names


def neuron_space() -> dict[str, Any]:
    """V_th in [1, 4] (gain of sigma(./V_th)); IF (leak 1) or LIF with leak 0.9-0.999."""
    return {"v_threshold": tune.uniform(1.0, 4.0), "leak": tune.choice([1.0, 0.999, 0.99, 0.95, 0.9])}


def simulation_space(min_time_steps: int, max_time_steps: int, step: int) -> dict[str, Any]:
    """T (cost linear in T) and the forward early-stop tolerance (0 = run all T steps)."""
    return {"time_steps": tune.qrandint(min_time_steps, max_time_steps, step),
            "forward_tol": tune.choice([0.0, 1e-4, 1e-3, 1e-2])}


def backward_space(max_iter_high: int = 60) -> dict[str, Any]:
    """The adjoint solver, its iteration budget (5..max_iter_high) and relative tolerance."""
    return {"name": tune.choice(registered_names()["solver"]), "max_iter": tune.randint(5, max_iter_high + 1),
            "tol": tune.loguniform(1e-5, 1e-3)}


def contraction_space() -> dict[str, Any]:
    """How contractive the equilibrium map is kept (EQUILIBRIUM.md §3): the spectral bound c of every
    feedback weight and the weight gamma of the Jacobian penalty (0 = off)."""
    return {"spectral_bound": tune.choice([0.5, 1.0, 2.0]), "jacobian_reg": tune.choice([0.0, 0.1, 1.0])}


def family_space(presets: list[str], max_streams: int, max_depth: int) -> dict[str, Any]:
    """The model family (one preset per family) and, for MPIS, stream count and depth."""
    return {"preset": tune.choice(presets), "streams": tune.randint(1, max_streams + 1),
            "depth": tune.randint(2, max_depth + 1)}


def equilibrium_sweep_space(presets: list[str], *, max_streams: int = 4, max_depth: int = 5,
                            time_steps: tuple[int, int, int] = (10, 100, 10),
                            learning_rate: tuple[float, float] = (1e-2, 1e-1)) -> dict[str, Any]:
    """The flagship's space: family, streams, depth, contraction control, V_th, leak, T, forward tol,
    backward solver, lr."""
    return {"model": {**family_space(presets, max_streams, max_depth), **contraction_space(),
                      # the start: 0 (the papers') or half the threshold (half the rates' rounding error)
                      "neuron": {**neuron_space(), "initial_potential": tune.choice([0.0, 0.5])},
                      "simulation": simulation_space(*time_steps), "backward": backward_space()},
            "train": {"learning_rate": tune.loguniform(*learning_rate)}}


def gsnn_options_space(blocks: list[int]) -> dict[str, Any]:
    """The gsnn family's own options (ECML.md §4.4), parents before the options that depend on them:
    cell, then bidirectional (recurrent cells); window schedule, then ratio (not for always_regular;
    0.625 falls back to 0.75 on maps it does not divide); fusion, then theta (product/nested);
    region threshold, then its fill (when on); encoder; ``blocks``: total residual blocks (the
    paper's depth; the second-to-last stage takes the difference)."""
    return {"cell": tune.choice(["cnn", "lstm", "gru", "rnn"]), "bidirectional": tune.choice([True, False]),
            "window_schedule": tune.choice(["alternate", "always_regular", "always_dilated"]),
            "window_ratio": tune.choice([0.625, 0.75]),
            "fusion_mode": tune.choice(["product", "nested", "mean", "none"]),
            "theta": tune.choice([0.1, 0.3, 0.5, 0.7, 0.9]),
            "region_threshold": tune.choice(["off", 0.1, 0.3, 0.6]), "region_fill": tune.choice(["keep", "zero"]),
            "encoder": tune.choice(["bernoulli", "bernoulli_st", "direct"]), "blocks": tune.choice(blocks)}


def gsnn_sweep_space(preset: str, blocks: list[int], learning_rate: tuple[float, ...] = (0.02, 0.05, 0.1)
                     ) -> dict[str, Any]:
    """A gsnn study's space: the options, T, decay, V_th, and the lr (warm-up and clipping fixed)."""
    return {"model": {"preset": tune.choice([preset]), "gsnn": gsnn_options_space(blocks),
                      "simulation": {"time_steps": tune.choice([1, 2, 4])},
                      "neuron": {"leak": tune.choice([0.2, 0.4, 0.6]), "v_threshold": tune.choice([0.5, 1.0])}},
            "train": {"learning_rate": tune.choice(list(learning_rate))}}
