"""Table F: the best trial of each method of a multi-method study (MPIS implicit, IDE implicit,
MPIS bptt, CNN bptt, ...), best method first.

A method is a model family (``mpis.models.PRESETS[preset].family``) and a gradient mode
(``model.gradient``). Each method's best trial is chosen by the study's metric and mode with
:func:`analysis.trial_ranking.best_trial_per_method` (ties: the lower trial_id), the rule of
Table E and of the study's printed summary. Numbers are that one trial's, not means over seeds.
"""

from __future__ import annotations

import pandas as pd

from analysis.study_error import StudyError
from analysis.tables.paper_table import (
    PaperTable,
    hardware_note,
    memory_note,
    outcome_note,
)
from analysis.trial_ranking import best_trial_per_method
from mpis import metric_names as m

TRIAL_COLUMNS = ("trial_id", "model.preset", "model.simulation.time_steps", "seed")
RESULT_COLUMNS = (m.BEST_TEST_ACCURACY, m.TEST_ACCURACY, m.EPOCH_TIME_S, m.PEAK_MEMORY_MB, m.FIRING_RATE_TOTAL,
                  m.SYNAPTIC_OPS, m.MACS, m.ENERGY_UJ, m.ENERGY_RATIO, "epochs_reported", "status")  # energy: where counted
SHORT_NAMES = {"method_trials": "trials", "trial_id": "trial", "model.preset": "preset",
               "model.simulation.time_steps": "T", m.BEST_TEST_ACCURACY: "best acc %",
               m.TEST_ACCURACY: "final acc %", m.EPOCH_TIME_S: "s/epoch", m.PEAK_MEMORY_MB: "peak MB",
               m.FIRING_RATE_TOTAL: "rate", m.SYNAPTIC_OPS: "AC/sample", m.MACS: "MAC/sample",
               m.ENERGY_UJ: "uJ/sample", m.ENERGY_RATIO: "ANN/SNN energy", "epochs_reported": "epochs"}


def build_best_per_method_table(trials: pd.DataFrame, study_info: dict,
                                all_trials: pd.DataFrame | None = None) -> PaperTable:
    """Table F for the usable ``trials``; StudyError when fewer than two methods have a ranked trial."""
    metric = study_info.get("metric") or m.BEST_TEST_ACCURACY
    mode = study_info.get("mode") or "max"
    best = best_trial_per_method(trials, metric, mode)
    if best.empty:
        raise StudyError(f"table F has no data: no trial reported the study metric {metric!r}")
    if len(best) < 2:
        raise StudyError(f"table F compares methods, but every ranked trial of this study is "
                         f"{best['method'].iloc[0]}")
    shown = ["method", "method_trials", "rank", *TRIAL_COLUMNS, *dict.fromkeys([metric, *RESULT_COLUMNS])]
    frame = best[[c for c in shown if c in best]].reset_index(drop=True)
    notes = [f"Per method (model family x gradient mode): its best trial by {metric} ({mode}; ties: lower "
             f"trial_id); trials = the method's usable trials; rank = the trial's rank in the study (Table E).",
             "The numbers are that one trial's (no mean over seeds).", hardware_note(study_info, trials)]
    notes += [note for note in (memory_note(trials),) if note]
    if all_trials is not None:
        notes.append(outcome_note(all_trials))
    formats = {m.PEAK_MEMORY_MB: ".0f", m.FIRING_RATE_TOTAL: ".3g", "model.simulation.time_steps": ".0f",
               "seed": ".0f", m.SYNAPTIC_OPS: ".3g", m.MACS: ".3g", m.ENERGY_UJ: ".3g", m.ENERGY_RATIO: ".3g"}
    return PaperTable(f"Table F: best trial per method of {study_info.get('study', 'the study')}", frame,
                      tuple(notes), formats, short_names={c: SHORT_NAMES.get(c, c) for c in frame.columns})
