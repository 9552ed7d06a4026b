"""Ray Tune's ``OptunaSearch``, telling Optuna what really happened to each trial.

Ray's ``OptunaSearch`` tells Optuna that every trial it hears end is COMPLETE with its last value,
including trials ASHA stopped after one epoch, so TPE would learn from low-fidelity values as if they
were final. This searcher records, instead:

* a trial that ran all ``full_epochs`` epochs: COMPLETE with its last value of the metric;
* a trial stopped early (ASHA): PRUNED; Optuna then takes its last intermediate value (one is
  reported per epoch, step = epoch), and TPE ranks pruned trials by how far they got, below the
  complete ones, exactly as with Optuna's own pruners;
* a diverged trial (row with ``status="diverged"``): FAIL, with user attribute ``status="diverged"``;
* an errored trial (Tune retried it ``max_failures`` times first): FAIL;
* on restore after a driver kill, a trial Optuna still holds RUNNING that the restored searcher does
  not know (the driver died before saving it): FAIL, with user attribute ``orphaned=True``.

With several metrics (``--objectives``) the Optuna study is multi-objective: nothing is reported per
epoch (Optuna refuses intermediate values there, and the sweep runs FIFO), a trial that ran all epochs
with every objective finite is COMPLETE with the list of its last values, and anything else FAIL.

Every Optuna trial carries Ray Tune's trial id (``ray_trial_id``, set when it is suggested) and the
trial's folder in the study directory (``trial_folder``, set at its first result), so a trial seen in
optuna-dashboard leads to its results and checkpoint.
"""

from __future__ import annotations

import math
from typing import Any

import optuna
from optuna.trial import TrialState
from ray.tune.search.optuna import OptunaSearch

from analysis.study_files import (
    RAY_TRIAL_ID,
    STATUS,
    STATUS_DIVERGED,
    TRIAL_FOLDER,
)
from mpis.metric_names import EPOCH


class StudyOptunaSearch(OptunaSearch):
    """``OptunaSearch`` with seeded TPE, honest trial states and a persistent (journal) study."""

    def __init__(self, *, space, metric: str | list[str], mode: str | list[str], full_epochs: int, seed: int,
                 storage: optuna.storages.BaseStorage | None, study_name: str,
                 points_to_evaluate: list[dict[str, Any]] | None = None):
        super().__init__(space=space, metric=metric, mode=mode, storage=storage, study_name=study_name,
                         sampler=optuna.samplers.TPESampler(seed=seed), points_to_evaluate=points_to_evaluate)
        self.full_epochs = full_epochs
        self._foldered: set[str] = set()  # trials whose folder Optuna already knows

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        suggestion = super().suggest(trial_id)
        if trial_id in self._ot_trials:
            self._ot_trials[trial_id].set_user_attr(RAY_TRIAL_ID, trial_id)
        return suggestion

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is not None and result.get(TRIAL_FOLDER) and trial_id not in self._foldered:
            ot_trial.set_user_attr(TRIAL_FOLDER, result[TRIAL_FOLDER])
            self._foldered.add(trial_id)
        if self._multi_objective:
            return
        value = result.get(self.metric)
        if (result.get(STATUS) == STATUS_DIVERGED or trial_id in self._completed_trials
                or not _is_finite(value)):
            return
        self._ot_trials[trial_id].report(float(value), int(result[EPOCH]))

    def on_trial_complete(self, trial_id: str, result: dict[str, Any] | None = None,
                          error: bool = False) -> None:
        if trial_id in self._completed_trials or trial_id not in self._ot_trials:
            return
        ot_trial = self._ot_trials[trial_id]
        state, value = self._outcome(result or {}, error)
        if state == TrialState.FAIL and (result or {}).get(STATUS) == STATUS_DIVERGED:
            ot_trial.set_user_attr(STATUS, STATUS_DIVERGED)
        if state == TrialState.PRUNED and EPOCH in (result or {}):
            ot_trial.set_user_attr("stopped_at_epoch", int(result[EPOCH]))
        self._ot_study.tell(ot_trial, value, state=state, skip_if_finished=True)
        self._completed_trials.add(trial_id)

    @property
    def _multi_objective(self) -> bool:
        return isinstance(self.metric, list)

    def _outcome(self, result: dict[str, Any], error: bool) -> tuple[TrialState, float | list[float] | None]:
        if error or result.get(STATUS) == STATUS_DIVERGED:
            return TrialState.FAIL, None
        if self._multi_objective:
            values = [result.get(metric) for metric in self.metric]
            if all(map(_is_finite, values)) and result.get(EPOCH, 0) >= self.full_epochs:
                return TrialState.COMPLETE, [float(v) for v in values]
            return TrialState.FAIL, None  # multi-objective Optuna studies have no use for PRUNED
        value = result.get(self.metric)
        if not _is_finite(value) or result.get(EPOCH, 0) < self.full_epochs:
            return TrialState.PRUNED, None  # stopped early (ASHA) or never reported
        return TrialState.COMPLETE, float(value)

    def restore(self, checkpoint_path: str) -> None:
        super().restore(checkpoint_path)
        self._fail_orphaned_trials()

    def _fail_orphaned_trials(self) -> None:
        """FAIL the Optuna trials left RUNNING by a dead driver that this searcher never saved."""
        known = {trial.number for trial in self._ot_trials.values()}
        storage = self._ot_study._storage  # Optuna's public storage API; the study keeps it private
        for frozen in self._ot_study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if frozen.number not in known:
                storage.set_trial_user_attr(frozen._trial_id, "orphaned", True)
                self._ot_study.tell(frozen.number, state=TrialState.FAIL, skip_if_finished=True)


def _is_finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
