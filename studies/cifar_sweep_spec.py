"""The CIFAR-10 and CIFAR-100 sweeps, one spec builder: they differ in the dataset and its classes.

Base config: IDE's CIFAR schedule (100 epochs, SGD lr 0.05, milestones 50/75, 400 warm-up
iterations), LIF 0.99, T = 30, batch 128. Space: :func:`studies.search_spaces.equilibrium_sweep_space`
over the MPIS and IDE (CIFARNet-F) presets of that many classes, the sizes the MPIS paper compares,
plus a gsnn arm (the released CNN model, ``gsnn_cifar<classes>_cnn``) that samples its own options
(:func:`studies.search_spaces.gsnn_options_space`, 12/20/24 blocks) and the shared lr, and keeps its
release neuron (BPTT, T = 1, V_th 0.5, decay 0.4; ``studies.runner.space``), with one trial per family
first.
"""

from __future__ import annotations

from ray import tune

from mpis.config import (
    DataConfig,
    ExperimentConfig,
    ModelConfig,
    NeuronConfig,
    SimulationConfig,
    TrainConfig,
)
from studies.cpu_budgets import cpu_sized_overrides, cpu_sized_space
from studies.runner import Budget, StudySpec
from studies.runner.space import deep_merge
from studies.search_spaces import equilibrium_sweep_space, gsnn_options_space


def cifar_sweep_spec(classes: int, *, description: str) -> StudySpec:
    """The sweep of MPIS (``mpis_cifar<classes>``) vs IDE (``ide_cifar<classes>_cifarnetf``) vs gsnn
    (``gsnn_cifar<classes>_cnn``)."""
    dataset = f"cifar{classes}"
    families = [f"mpis_{dataset}", f"ide_{dataset}_cifarnetf", f"gsnn_{dataset}_cnn"]
    base = ExperimentConfig(
        model=ModelConfig(preset=families[0], neuron=NeuronConfig(v_threshold=2.0, leak=0.99),
                          simulation=SimulationConfig(time_steps=30)),
        data=DataConfig(dataset=dataset, batch_size=128, test_batch_size=200),
        train=TrainConfig(epochs=100, learning_rate=0.05, milestones=(50, 75), warmup_iterations=400))
    return StudySpec(name=f"{dataset}_sweep", description=description, base=base,
                     space=deep_merge(equilibrium_sweep_space(families), {"model": {"gsnn": gsnn_options_space([12, 20, 24])}}),
                     budgets=cifar_sweep_budgets(f"CIFAR-{classes}"),
                     starting_points=tuple({"model": {"preset": family}} for family in families))


# CPU budgets: the gsnn arm at its released size (12 blocks) with the cheapest cell
CPU_GSNN_SPACE = {"model": {"gsnn": {"cell": tune.choice(["cnn"]), "blocks": tune.choice([12])}}}


def cifar_sweep_budgets(dataset: str) -> dict[str, Budget]:
    """quick (default, CPU), paper (GPU cluster) and smoke (wiring check) budgets for ``dataset``."""
    return {
        "quick": Budget(num_samples=6, max_concurrent=2, grace_period=1, reduction_factor=2,
                        description=f"CPU-sized (about 15-20 min on 2 cores): 200 train / 100 test "
                                    f"{dataset} images, 2 epochs, T 5-10, up to 2 streams x 3 layers, 6 trials",
                        overrides=cpu_sized_overrides(200, 100, 50, epochs=2),
                        space=deep_merge(cpu_sized_space(max_streams=2, max_depth=3, max_iter=10, time_steps=5),
                                         CPU_GSNN_SPACE)),
        "paper": Budget(num_samples=64, max_concurrent=8, grace_period=10, reduction_factor=3,
                        description=f"full {dataset}, 100 epochs (IDE's CIFAR schedule), 64 trials, "
                                    "the full search space"),
        "smoke": Budget(num_samples=2, max_concurrent=2, grace_period=1, reduction_factor=2,
                        description="wiring check: 24 train / 20 test images, 1 epoch, T 2-4, 2 trials",
                        overrides=cpu_sized_overrides(24, 20, 12, epochs=1),
                        space=deep_merge(cpu_sized_space(max_streams=2, max_depth=3, max_iter=6, time_steps=2),
                                         CPU_GSNN_SPACE)),
    }
