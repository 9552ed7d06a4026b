"""Typed, validated configuration of an equilibrium SNN, at the bottom of the import graph.

Every config is a frozen, keyword-only dataclass whose ``__post_init__`` checks types and ranges,
so a bad value fails when the config is built, with a ``ValueError`` that names the argument, the
value and what is allowed. Names that refer to a registry (preset, backward solver, surrogate,
dataset) are checked against the registry itself by :func:`mpis.registries.check_names`, before
any data is read; this module imports nothing of the package but :mod:`mpis.validation` (the
one-line error) and :mod:`mpis.gsnn_options` (the gsnn family's options, its own file).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mpis.gsnn_options import REGION_THRESHOLD_OFF, GSNNOptions
from mpis.validation import require, require_choice

__all__ = ["REGION_THRESHOLD_OFF", "GSNNOptions", "require", "require_choice"]  # re-exported: configs live here


@dataclass(frozen=True, kw_only=True)
class NeuronConfig:
    """Spiking neuron: IF when ``leak == 1``, LIF with leak factor ``leak`` otherwise."""

    v_threshold: float = 2.0  # firing threshold V_th; also the gain 1/V_th of the equivalent map
    leak: float = 1.0  # lambda in (0, 1]; 1 = IF (rate = count / T), < 1 = LIF (weighted rate)
    initial_potential: float = 0.5  # u before the first step, as a fraction of V_th. 0.5 rounds a
    # constant-input rate to the nearest multiple of 1/T instead of truncating it (half the error,
    # no bias); 0 = the papers' neuron

    def __post_init__(self):
        require(math.isfinite(self.v_threshold) and self.v_threshold > 0, "v_threshold", self.v_threshold,
                "a finite number > 0")
        require(0 < self.leak <= 1, "leak", self.leak, "a number in (0, 1]")
        require(0 <= self.initial_potential < 1, "initial_potential", self.initial_potential,
                "a fraction of V_th in [0, 1)")

    @property
    def is_if(self) -> bool:
        return self.leak == 1.0


MAX_TIME_STEPS = 10_000


@dataclass(frozen=True, kw_only=True)
class SimulationConfig:
    """The no-grad T-step forward simulation that estimates the equilibrium rates."""

    time_steps: int = 30  # T, the number of simulated steps
    forward_tol: float = 0.0  # stop once ||a[t]-a[t-1]|| / ||a[t]|| < forward_tol; 0 = run all T steps
    forward_min_steps: int = 5  # never stop early before this many steps

    def __post_init__(self):
        require(isinstance(self.time_steps, int) and 1 <= self.time_steps <= MAX_TIME_STEPS, "time_steps",
                self.time_steps, f"an integer in 1..{MAX_TIME_STEPS} (the cost is linear in T; the papers use 1-100)")
        require(self.forward_tol >= 0, "forward_tol", self.forward_tol, "a number >= 0 (0 = off)")
        require(isinstance(self.forward_min_steps, int) and self.forward_min_steps >= 1,
                "forward_min_steps", self.forward_min_steps, "an integer >= 1")


FALLBACK_NAMES = ("anderson", "one_step")


@dataclass(frozen=True, kw_only=True)
class SolverConfig:
    """Backward (adjoint) solver for (I - J^T) beta = dL/da, and what happens when it fails.

    A solve fails when its best relative residual is not below 1 (the zero guess's) or not finite;
    a failed beta is never applied: ``fallback`` runs instead (``"anderson"`` with ``fallback_memory``
    and the same budget, then the one-step beta = dL/da if that fails too; ``"one_step"`` directly).
    """

    name: str = "broyden"  # a key of mpis.solvers.SOLVERS
    max_iter: int = 30  # iterations (fixed_point, broyden, anderson) or Neumann terms; 0 = one_step
    tol: float = 1e-4  # stop when ||g(beta)|| / ||dL/da|| < tol
    damping: float = 1.0  # eta of fixed_point: beta <- beta + eta * g(beta); in (0, 1]
    memory: int = 27  # history length of broyden and anderson
    fallback: str = "anderson"  # what replaces a failed solve: "anderson" (then one_step) or "one_step"
    fallback_memory: int = 10  # Anderson's history length when it is the fallback
    max_fallback_share: float = 0.5  # TrainingDiverged once more than this share of an epoch's steps fell back

    def __post_init__(self):
        require(isinstance(self.name, str), "solver", self.name, "a solver name (see mpis.solvers.SOLVERS)")
        require(isinstance(self.max_iter, int) and self.max_iter >= 0, "max_iter", self.max_iter,
                "an integer >= 0")
        require(math.isfinite(self.tol) and self.tol >= 0, "tol", self.tol, "a finite number >= 0")
        require(0 < self.damping <= 1, "damping", self.damping, "a number in (0, 1]")
        require(isinstance(self.memory, int) and self.memory >= 1, "memory", self.memory,
                "an integer >= 1")
        require_choice(self.fallback, "fallback", FALLBACK_NAMES)
        require(isinstance(self.fallback_memory, int) and self.fallback_memory >= 1, "fallback_memory",
                self.fallback_memory, "an integer >= 1")
        require(0 <= self.max_fallback_share <= 1, "max_fallback_share", self.max_fallback_share,
                "a number in [0, 1]")


GRADIENT_MODES = ("implicit", "bptt")
HIDDEN_BN_MODES = ("running", "batch")
COMPILE_MODES = ("auto", "on", "off")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Which network to build and how it is simulated and differentiated."""

    preset: str = "ide_fmnist_f400"  # a key of mpis.models.PRESETS
    neuron: NeuronConfig = field(default_factory=NeuronConfig)
    simulation: SimulationConfig = field(default_factory=SimulationConfig)
    backward: SolverConfig = field(default_factory=SolverConfig)
    gradient: str = "implicit"  # "implicit" (IDE/MPIS) or "bptt" (unrolled surrogate baseline)
    surrogate: str = "sigmoid"  # spike derivative used by gradient="bptt" (a key of mpis.surrogates.DERIVATIVES)
    dropout: float = 0.2  # variational dropout p of every synaptic module
    spectral_bound: float | None = 1.0  # c in W = clamp(alpha, -c, c) V / sigma(V) of every feedback
    # weight (IDE and MPIS); None = unrestricted
    hidden_bn: str = "running"  # hidden BNs in the training equivalent pass: "running" = the running
    # statistics the simulation used (then updated once from this batch, without gradient), so the
    # simulated map and f agree; "batch" = batch statistics with gradient (the papers' policy, §5.1)
    jacobian_reg: float = 0.0  # gamma of the Jacobian regulariser gamma * ||J||_F^2 / D (Hutchinson)
    jacobian_reg_every: int = 1  # add it on every k-th training step
    streams: int | None = None  # MPIS: number of streams (None = the preset's)
    depth: int | None = None  # MPIS: spiking layers per stream (None = the preset's)
    widths: tuple[int, ...] | None = None  # MPIS: channels of the stream layers (None = preset's)
    gsnn: GSNNOptions = field(default_factory=GSNNOptions)  # gsnn presets only (all None elsewhere)
    compile: str = "auto"  # torch.compile the simulation steps and f: "on", "off", or "auto" = on CUDA only
    # (measured on CPU: slower or no faster once its 10-60 s compile is counted; README, Benchmarks)

    def __post_init__(self):
        for name in ("preset", "surrogate"):
            require(isinstance(getattr(self, name), str), name, getattr(self, name), "a name (see mpis.registries)")
        require_choice(self.gradient, "gradient", GRADIENT_MODES)
        require(0 <= self.dropout < 1, "dropout", self.dropout, "a number in [0, 1)")
        require(self.spectral_bound is None or (math.isfinite(self.spectral_bound) and self.spectral_bound > 0),
                "spectral_bound", self.spectral_bound, "None (unrestricted) or a finite number > 0")
        require_choice(self.hidden_bn, "hidden_bn", HIDDEN_BN_MODES)
        require_choice(self.compile, "compile", COMPILE_MODES)
        require(math.isfinite(self.jacobian_reg) and self.jacobian_reg >= 0, "jacobian_reg",
                self.jacobian_reg, "a finite number >= 0 (0 = off)")
        require(type(self.jacobian_reg_every) is int and self.jacobian_reg_every >= 1, "jacobian_reg_every",
                self.jacobian_reg_every, "an integer >= 1")
        if self.streams is not None:
            require(type(self.streams) is int and 1 <= self.streams <= 4, "streams", self.streams,
                    "an integer in 1..4")
        if self.depth is not None:
            require(type(self.depth) is int and 2 <= self.depth <= 5, "depth", self.depth,
                    "an integer in 2..5")


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    """Which dataset, where it lives, and how much of it a trial uses."""

    dataset: str = "fashion_mnist"  # a key of mpis.data.loaders.OPENERS
    data_dir: str | None = None  # None: $MPIS_DATA_DIR, else ./data (always made absolute)
    batch_size: int = 128  # training batch size
    test_batch_size: int = 200
    limit_train: int | None = None  # class-balanced, seeded subset of the training split
    limit_test: int | None = None  # class-balanced, seeded subset of the test split
    crop_nmnist: bool = False  # crop N-MNIST frames from 34x34 to 32x32 (the MPIS models)
    pad_to: int | None = None  # zero-pad static images to pad_to x pad_to (gsnn: F-MNIST 28 -> 32)
    download: bool = True  # fetch a missing dataset through its library; False: DatasetMissing instead
    num_workers: int = 0  # DataLoader worker processes

    def __post_init__(self):
        require(isinstance(self.dataset, str), "dataset", self.dataset, "a dataset name (see mpis.registries)")
        require(self.batch_size >= 2, "batch_size", self.batch_size,
                "an integer >= 2 (BatchNorm needs two samples per training batch)")
        require(self.test_batch_size >= 1, "test_batch_size", self.test_batch_size, "an integer >= 1")
        for name in ("limit_train", "limit_test"):
            value = getattr(self, name)
            require(value is None or value >= 1, name, value, "None or an integer >= 1")
        require(self.num_workers >= 0, "num_workers", self.num_workers, "an integer >= 0")
        require(self.pad_to is None or (type(self.pad_to) is int and self.pad_to >= 1), "pad_to", self.pad_to,
                "None or an integer >= 1 (the padded side)")


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Optimiser and schedule as the papers use them (ALGORITHMS.md §5.5)."""

    epochs: int = 100
    optimizer: str = "sgd"  # "sgd" (momentum) or "adam"
    learning_rate: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4  # on every parameter, BN and spectral scales included
    milestones: tuple[int, ...] = (30, 60, 90)  # epochs at which the lr is multiplied by lr_decay
    lr_decay: float = 0.1
    warmup_iterations: int = 0  # linear warm-up: lr = lr0 * (i + 1) / W for the first W iterations
    gradient_clip: float | None = None  # rescale the gradient to this global L2 norm when above it
    # (the gsnn release: 20); None = off
    device: str = "auto"  # "auto" (CUDA when available), "cpu" or "cuda"
    bn_calibration_samples: int = 256  # before the first step: hidden BN statistics from this many
    # training samples at the simulated equilibrium (0 = off; see SpikingModel.calibrate_batch_norm)
    spectral_radius_every: int = 0  # estimate rho(J) on the batch of every N-th step; 0 = the last step of each epoch
    energy_preset: str = "fp32"  # number format of the energy estimate: "fp32", "fp16" or "int8" (mpis.energy;
    # reporting only, so a resumed run may change it)

    def __post_init__(self):
        require(self.epochs >= 1, "epochs", self.epochs, "an integer >= 1")
        require_choice(self.optimizer, "optimizer", ("sgd", "adam"))
        require(self.learning_rate > 0, "learning_rate", self.learning_rate, "a number > 0")
        require(self.weight_decay >= 0, "weight_decay", self.weight_decay, "a number >= 0")
        require(self.warmup_iterations >= 0, "warmup_iterations", self.warmup_iterations, "an integer >= 0")
        require(self.gradient_clip is None or (math.isfinite(self.gradient_clip) and self.gradient_clip > 0),
                "gradient_clip", self.gradient_clip, "None (off) or a finite number > 0")
        require_choice(self.device, "device", ("auto", "cpu", "cuda"))
        require(self.bn_calibration_samples >= 0, "bn_calibration_samples", self.bn_calibration_samples,
                "an integer >= 0 (0 = off)")
        require(self.spectral_radius_every >= 0, "spectral_radius_every", self.spectral_radius_every,
                "an integer >= 0 (0 = once per epoch)")
        require_choice(self.energy_preset, "energy_preset", ("fp32", "fp16", "int8"))


@dataclass(frozen=True, kw_only=True)
class ExperimentConfig:
    """Everything one trial needs; ``mpis.training.fit`` takes exactly this."""

    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0
