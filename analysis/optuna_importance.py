"""Optuna's hyperparameter importances of a sweep, read from the study's journal file.

Studies keep their Optuna study in ``<study_dir>/optuna_journal.log`` (``JournalStorage``); it is
plain JSON lines, so reading it unpickles nothing. Parameter names come back dotted
(``model/neuron/v_threshold`` -> ``model.neuron.v_threshold``).

The method is Optuna's default evaluator, PED-ANOVA (``PedAnovaImportanceEvaluator``, target
quantile 0.1): how much knowing a parameter helps to land among the best 10 % of the completed
trials; the importances sum to 1. Only COMPLETE Optuna trials count (ASHA-stopped trials are PRUNED,
failed ones FAIL), and :func:`importance_report` says which parameters rest on few of them: a
parameter set in fewer than all completed trials (MPIS-only streams and depth), or a categorical
value with fewer than :data:`MIN_COMPLETED_PER_VALUE` completed trials.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import optuna
import pandas as pd
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from analysis.study_error import StudyError
from analysis.study_files import JOURNAL_FILE, read_study_info

MIN_COMPLETED = 2  # fewer completed Optuna trials: no importances at all
MIN_COMPLETED_PER_VALUE = 2  # a categorical value with fewer completed trials is flagged
EVALUATOR_NAMES = {"PedAnovaImportanceEvaluator": "PED-ANOVA", "FanovaImportanceEvaluator": "fANOVA",
                   "MeanDecreaseImpurityImportanceEvaluator": "mean decrease in impurity"}


class ImportanceReport(NamedTuple):
    importances: pd.Series  # dotted parameter name -> importance (sums to 1), largest first
    method: str  # e.g. "PED-ANOVA (Optuna's default evaluator)"
    completed: int  # completed Optuna trials the importances rest on
    caveats: dict[str, str]  # dotted parameter name -> why its importance rests on few trials


def find_optuna_journal(study_dir: str | Path) -> Path:
    """``optuna_journal.log`` in ``study_dir`` (else the one ``*journal*`` file); StudyError if none."""
    directory = Path(study_dir)
    candidates = [directory / JOURNAL_FILE] if (directory / JOURNAL_FILE).is_file() else \
        sorted(p for p in directory.glob("*journal*") if p.is_file())
    if len(candidates) != 1:
        raise StudyError(f"study {directory} has no Optuna journal ({JOURNAL_FILE}); grid studies have "
                         "none, so hyperparameter importances need a sweep" if not candidates else
                         f"study {directory} has several journal files: {', '.join(p.name for p in candidates)}")
    return candidates[0]


def load_optuna_study(study_dir: str | Path) -> optuna.Study:
    """The Optuna study of ``study_dir``: the one named in ``mpis_study.json``, or the journal's only study."""
    storage = JournalStorage(JournalFileBackend(str(find_optuna_journal(study_dir))))
    names = optuna.get_all_study_names(storage)
    wanted = read_study_info(study_dir).get("study")
    name = wanted if wanted in names else (names[0] if len(names) == 1 else None)
    if name is None:
        raise StudyError(f"the Optuna journal of {study_dir} holds studies {names}; none is named {wanted!r}")
    return optuna.load_study(study_name=name, storage=storage)


def _caveats(complete: list[optuna.trial.FrozenTrial]) -> dict[str, str]:
    """Per parameter, why few completed trials back it (see the module docstring); absent if none."""
    caveats = {}
    for name in sorted({name for trial in complete for name in trial.params}):
        values = [trial.params[name] for trial in complete if name in trial.params]
        notes = [] if len(values) == len(complete) else [f"set in {len(values)} of {len(complete)} completed trials"]
        distribution = next(t.distributions[name] for t in complete if name in t.distributions)
        if isinstance(distribution, optuna.distributions.CategoricalDistribution):
            few = [f"{choice}: {values.count(choice)}" for choice in distribution.choices
                   if values.count(choice) < MIN_COMPLETED_PER_VALUE]
            if few:
                notes.append(f"completed trials per value below {MIN_COMPLETED_PER_VALUE}: {', '.join(map(str, few))}")
        if notes:
            caveats[name.replace("/", ".")] = "; ".join(notes)
    return caveats


def importance_report(study_dir: str | Path, evaluator=None) -> ImportanceReport:
    """Importance per hyperparameter over the completed Optuna trials, with the method and the
    caveats (see the module docstring); StudyError with fewer than 2 completed trials.
    ``evaluator`` defaults to Optuna's PED-ANOVA."""
    study = load_optuna_study(study_dir)
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < MIN_COMPLETED:
        raise StudyError(f"hyperparameter importances need at least {MIN_COMPLETED} completed Optuna trials; "
                         f"the study in {study_dir} has {len(complete)}")
    default = evaluator is None
    evaluator = optuna.importance.PedAnovaImportanceEvaluator() if default else evaluator
    try:
        importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError) as error:
        raise StudyError(f"Optuna could not compute importances for {study_dir}: {error}") from None
    series = pd.Series(importances, dtype=float, name="importance")
    series.index = [name.replace("/", ".") for name in series.index]
    name = EVALUATOR_NAMES.get(type(evaluator).__name__, type(evaluator).__name__)
    method = f"{name} (Optuna's default evaluator)" if default else name
    return ImportanceReport(series.sort_values(ascending=False), method, len(complete), _caveats(complete))


def hyperparameter_importances(study_dir: str | Path, evaluator=None) -> pd.Series:
    """The importances of :func:`importance_report` (sums to 1, largest first)."""
    return importance_report(study_dir, evaluator).importances
