"""Every study's search space, arms and budgets name real config fields and give valid configs that
fit their datasets; IDE trials never sample MPIS-only fields. No Ray runtime needed."""

from __future__ import annotations

import dataclasses

import optuna
import pytest
from ray.tune.search.sample import Domain
from study_modules import load_spec, study_module_names

from mpis.config import ExperimentConfig
from mpis.config_io import config_from_dict
from mpis.models import PRESETS
from mpis.training.compatibility import check_preset_fits_dataset
from studies.runner.define_by_run import ConditionalSpace
from studies.runner.space import (
    MPIS_ONLY_FIELDS,
    deep_merge,
    experiment_config_of_trial,
    is_mpis_preset,
    space_leaves,
)

STUDIES = study_module_names()
EXPECTED = {"studies.quickstart", "studies.cifar10_sweep", "studies.cifar100_sweep", "studies.nmnist_sweep",
            "studies.mpis_vs_bptt", "studies.mpis_vs_ide", "studies.ide_table_static",
            "studies.ide_table_cifar", "studies.gsnn_sweep"}


def field_exists(config, dotted: str) -> bool:
    head, _, rest = dotted.partition(".")
    names = {field.name for field in dataclasses.fields(config)}
    if head not in names:
        return False
    value = getattr(config, head)
    return field_exists(value, rest) if rest else not dataclasses.is_dataclass(value)


def test_every_study_file_is_found():
    assert EXPECTED <= set(STUDIES)


@pytest.mark.parametrize("module", STUDIES)
def test_every_leaf_of_every_space_arm_and_override_is_a_config_field(module):
    spec = load_spec(module)
    trees = [spec.space, *spec.variants.values(), *spec.starting_points]
    for budget in spec.budgets.values():
        trees += [budget.space, budget.overrides]
    leaves = [name for tree in trees for name, _ in space_leaves(tree)]
    assert leaves, "a study with nothing to vary"
    unknown = [name for name in leaves if not field_exists(ExperimentConfig(), name)]
    assert not unknown, f"{module}: not config fields: {unknown}"


@pytest.mark.parametrize("module", [m for m in STUDIES if load_spec(m).starting_points])
def test_starting_points_are_values_of_the_space(module):
    spec = load_spec(module)
    domains = dict(space_leaves(spec.space))
    for point in spec.starting_points:
        for name, value in space_leaves(point):
            assert value in domains[name].categories, f"{module}: {name}={value!r} is outside the space"


@pytest.mark.parametrize("module", [m for m in STUDIES if load_spec(m).space])
def test_sweep_spaces_hold_only_tune_domains(module):
    spec = load_spec(module)
    for budget in spec.budgets.values():
        for name, leaf in space_leaves(deep_merge(spec.space, budget.space)):
            assert isinstance(leaf, Domain), f"{module}: {name}={leaf!r} is a constant"


def sampled_configs(spec, budget, count: int) -> list[tuple[dict, ExperimentConfig]]:
    """``count`` configs drawn through the study's define-by-run Optuna space (random sampler)."""
    base = config_from_dict(budget.overrides, spec.base)
    space = ConditionalSpace(deep_merge(spec.space, budget.space), base.model.preset)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    drawn = []
    for _ in range(count):
        trial = study.ask()
        space(trial)
        nested = {}
        for name, value in trial.params.items():
            *path, leaf = name.split("/")
            target = nested
            for key in path:
                target = target.setdefault(key, {})
            target[leaf] = value
        drawn.append((trial.params, experiment_config_of_trial(nested, base, {})))
        study.tell(trial, 0.0)
    return drawn


@pytest.mark.parametrize("module", [m for m in STUDIES if load_spec(m).space])
def test_sampled_sweep_configs_are_valid_and_fit_their_dataset(module):
    spec = load_spec(module)
    for budget in spec.budgets.values():
        for params, config in sampled_configs(spec, budget, count=25):
            check_preset_fits_dataset(config.model, config.data)
            if not is_mpis_preset(config.model.preset):
                assert not any(name.replace("/", ".") in MPIS_ONLY_FIELDS for name in params), params
                assert (config.model.streams, config.model.depth) == (None, None)
            else:
                assert config.model.streams == params.get("model/streams", config.model.streams)


def test_the_flagship_searches_both_families_streams_depth_and_the_solver():
    spec = load_spec("studies.cifar10_sweep")
    names = {name for name, _ in space_leaves(spec.space)}
    assert {"model.preset", "model.streams", "model.depth", "model.neuron.v_threshold",
            "model.neuron.leak", "model.simulation.time_steps", "model.simulation.forward_tol",
            "model.backward.name", "model.backward.max_iter", "model.backward.tol",
            "train.learning_rate"} <= names
    families = {PRESETS[preset].family for preset in spec.space["model"]["preset"].categories}
    assert families == {"mpis", "ide", "gsnn"}
    assert spec.space["model"]["streams"].lower == 1 and spec.space["model"]["streams"].upper == 5
    assert spec.space["model"]["depth"].lower == 2 and spec.space["model"]["depth"].upper == 6


@pytest.mark.parametrize("module", [m for m in STUDIES if load_spec(m).variants])
def test_every_arm_of_every_grid_study_is_a_valid_config_that_fits_its_dataset(module):
    spec = load_spec(module)
    for budget in spec.budgets.values():
        base = config_from_dict(budget.overrides, spec.base)
        for name in spec.variants:
            config = experiment_config_of_trial({"variant": name, "seed": 3}, base, spec.variants)
            check_preset_fits_dataset(config.model, config.data)
            assert config.seed == 3


def test_paper_tables_have_their_arms():
    bptt = load_spec("studies.mpis_vs_bptt")
    steps = {experiment_config_of_trial({"variant": v}, bptt.base, bptt.variants).model.simulation.time_steps
             for v in bptt.variants}
    assert steps == {30, 100} and len(bptt.variants) == 8
    assert load_spec("studies.ide_table_static").budgets["paper"].num_samples == 5
    assert load_spec("studies.ide_table_cifar").budgets["paper"].num_samples == 5
    assert len(load_spec("studies.ide_table_cifar").variants) == 13


def test_ide_trials_ignore_streams_and_depth_even_when_given():
    spec = load_spec("studies.quickstart")
    config = experiment_config_of_trial({"model": {"preset": "ide_digits_f64c5", "streams": 3, "depth": 4}}, spec.base, {})
    assert (config.model.streams, config.model.depth) == (None, None)
    config = experiment_config_of_trial({"model": {"preset": "mpis_digits", "streams": 3, "depth": 4}}, spec.base, {})
    assert (config.model.streams, config.model.depth) == (3, 4)


def test_an_unknown_key_in_a_sample_is_rejected():
    spec = load_spec("studies.quickstart")
    with pytest.raises(ValueError, match="has no field 'v_thresold'"):
        experiment_config_of_trial({"model": {"neuron": {"v_thresold": 2.0}}}, spec.base, {})


GSNN_SHARED = {"model.simulation.time_steps", "model.neuron.v_threshold", "model.neuron.leak", "model.dropout"}


def _gsnn_trials(module: str, budget: str, count: int = 60):
    spec = load_spec(module)
    drawn = sampled_configs(spec, spec.budgets[budget], count)
    return [(params, config) for params, config in drawn if PRESETS[config.model.preset].family == "gsnn"]


@pytest.mark.parametrize("module, budget", [("studies.gsnn_sweep", "quick"), ("studies.gsnn_sweep", "paper"),
                                            ("studies.cifar10_sweep", "paper")])
def test_gsnn_trials_sample_only_what_applies_and_keep_the_release_neuron_elsewhere(module, budget):
    trials = _gsnn_trials(module, budget)
    assert len(trials) >= 10
    in_gsnn_study = module == "studies.gsnn_sweep"
    for params, config in trials:
        names = {name.replace("/", ".") for name in params}
        model_names = {n for n in names if n.startswith("model.") and n != "model.preset"}
        allowed_shared = GSNN_SHARED if in_gsnn_study else set()
        assert model_names <= allowed_shared | {n for n in model_names if n.startswith("model.gsnn.")}, names
        gsnn = config.model.gsnn
        assert ("model.gsnn.bidirectional" in names) == (gsnn.cell != "cnn")
        assert ("model.gsnn.theta" in names) == (gsnn.fusion_mode in ("product", "nested"))
        assert ("model.gsnn.window_ratio" in names) == (gsnn.window_schedule != "always_regular")
        assert ("model.gsnn.region_fill" in names) == (gsnn.region_threshold != "off")
        assert config.model.gradient == "bptt" and config.model.simulation.forward_tol == 0
        if not in_gsnn_study:  # the equilibrium families' neuron ranges do not reach the gsnn arm
            assert (config.model.simulation.time_steps, config.model.neuron.v_threshold,
                    config.model.neuron.leak) == (1, 0.5, 0.4)
    sampled_t = {config.model.simulation.time_steps for _, config in trials}
    assert sampled_t == ({1, 2, 4} if in_gsnn_study else {1})


def test_the_gsnn_sweep_searches_the_ecml_space_on_padded_fashion_mnist():
    spec = load_spec("studies.gsnn_sweep")
    names = {name for name, _ in space_leaves(spec.space)}
    options = {"cell", "bidirectional", "window_ratio", "window_schedule", "fusion_mode", "theta", "region_threshold",
               "region_fill", "encoder", "blocks"}
    assert {f"model.gsnn.{o}" for o in options} | GSNN_SHARED - {"model.dropout"} | {"train.learning_rate"} <= names
    assert spec.base.data.dataset == "fashion_mnist" and spec.base.data.pad_to == 32
    paper = config_from_dict(spec.budgets["paper"].overrides, spec.base)
    assert (paper.model.preset, paper.data.dataset, paper.data.pad_to) == ("gsnn_cifar10_cnn", "cifar10", None)
    depths = {config.model.gsnn.blocks for _, config in _gsnn_trials("studies.gsnn_sweep", "paper", 30)}
    assert depths == {12, 20, 24}
