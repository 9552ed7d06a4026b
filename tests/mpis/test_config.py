"""Configs: types and ranges checked when built, registry names checked by mpis.registries, round trips
through dicts with declared types restored; mpis.config imports nothing of the package."""

import pytest

from mpis.config import (
    DataConfig,
    ModelConfig,
    NeuronConfig,
    SimulationConfig,
    SolverConfig,
)
from mpis.models import PRESETS, build_model
from mpis.registries import check_names, registered_names


@pytest.mark.parametrize("build, argument", [
    (lambda: check_names(ModelConfig(preset="resnet50")), "preset"),
    (lambda: check_names(ModelConfig(backward=SolverConfig(name="newton"))), "solver"),
    (lambda: check_names(ModelConfig(surrogate="erf")), "surrogate"),
    (lambda: check_names(DataConfig(dataset="imagenet")), "dataset"),
    (lambda: build_model(ModelConfig(preset="resnet50")), "preset"),
    (lambda: SimulationConfig(time_steps=0), "time_steps"),
    (lambda: SimulationConfig(time_steps=10_001), "time_steps"),
    (lambda: NeuronConfig(v_threshold=float("inf")), "v_threshold"),
    (lambda: NeuronConfig(v_threshold=0.0), "v_threshold"),
    (lambda: NeuronConfig(leak=0.0), "leak"),
    (lambda: NeuronConfig(leak=1.01), "leak"),
    (lambda: SolverConfig(tol=-1e-3), "tol"),
    (lambda: SimulationConfig(forward_tol=-0.1), "forward_tol"),
    (lambda: ModelConfig(compile="max-autotune"), "compile")])
def test_bad_config_raises_a_value_error_naming_argument_value_and_allowed(build, argument):
    """Types and ranges when the config is built; registry names by mpis.registries.check_names."""
    with pytest.raises(ValueError, match=rf"^{argument}=.* is invalid; allowed: "):
        build()


def test_configs_import_nothing_of_the_package_and_registries_own_the_names():
    import subprocess
    import sys

    probe = "import sys, mpis.config; print(sorted(m for m in sys.modules if m.startswith('mpis')))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['mpis', 'mpis.config', 'mpis.gsnn_options', 'mpis.validation']"
    names = registered_names()
    assert names["preset"] == list(PRESETS) and "broyden" in names["solver"] and "digits" in names["dataset"]


def test_config_from_dict_restores_declared_types_and_rejects_unknown_keys():
    from mpis.config import ExperimentConfig
    from mpis.config_io import config_from_dict, config_to_flat_dict

    config = config_from_dict({"model.depth": 3.0, "model.streams": 2.0, "model.neuron.v_threshold": 2,
                               "model": {"simulation": {"time_steps": 30.0}}, "train.milestones": [5, 9]},
                              base=ExperimentConfig(model=ModelConfig(preset="mpis_digits")))
    assert (config.model.depth, config.model.streams, config.model.simulation.time_steps) == (3, 2, 30)
    assert type(config.model.depth) is int and type(config.model.neuron.v_threshold) is float
    assert config.train.milestones == (5, 9)
    assert config_from_dict(config_to_flat_dict(config), base=ExperimentConfig()) == config
    with pytest.raises(ValueError, match="has no field 'stream'"):
        config_from_dict({"model.stream": 2}, base=ExperimentConfig())
    with pytest.raises(ValueError, match="depth=2.5 is invalid"):
        ModelConfig(preset="mpis_digits", depth=2.5)
