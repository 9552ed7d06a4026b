"""Optuna's hyperparameter importances of a sweep, read from the study's journal file.

Studies keep their Optuna study in ``<study_dir>/optuna_journal.log`` (``JournalStorage``); it is
plain JSON lines, so reading it unpickles nothing. Parameter names come back dotted
(``model/neuron/v_threshold`` -> ``model.neuron.v_threshold``).
"""

from __future__ import annotations

from pathlib import Path

import optuna
import pandas as pd
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from analysis.study_error import StudyError
from analysis.study_files import read_study_info

JOURNAL_FILE = "optuna_journal.log"


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


def hyperparameter_importances(study_dir: str | Path, evaluator=None) -> pd.Series:
    """Importance per hyperparameter (sums to 1, largest first), over the completed Optuna trials;
    ``evaluator`` defaults to Optuna's (PED-ANOVA in Optuna 5)."""
    study = load_optuna_study(study_dir)
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(complete) < 2:
        raise StudyError(f"hyperparameter importances need at least 2 completed Optuna trials; "
                         f"the study in {study_dir} has {len(complete)}")
    try:
        importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError) as error:
        raise StudyError(f"Optuna could not compute importances for {study_dir}: {error}") from None
    series = pd.Series(importances, dtype=float, name="importance")
    series.index = [name.replace("/", ".") for name in series.index]
    return series.sort_values(ascending=False)
