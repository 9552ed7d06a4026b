"""What each paper-comparison table is: which paper numbers, which rows our trials fill, which keys
match a paper row to ours and which values are compared. Tables D and E have their own modules.
Table G's paper values are the gsnn release's screenshots (ECML.md §2; the paper's params are the
release's module tree, unused modules included, see ``mpis.models.gsnn.release_parameter_count``)."""

from __future__ import annotations

from typing import NamedTuple

from analysis.tables.comparison import ValueColumn


class ComparisonSpec(NamedTuple):
    title: str
    paper_numbers: str  # a name in analysis.paper_numbers.PAPER_TABLES
    keys: list[str]  # columns that identify a row, in both the paper's table and ours
    values: list[ValueColumn]
    context: list[str]  # paper columns shown as they are (architecture, note)
    count_columns: tuple[str, ...] = ()  # paper text counts ("229K") parsed to "<name>_count"


ACCURACY_OURS = "Ours: accuracy = mean over seeds of each run's best test accuracy (%)."
TIME_OURS = "Time = mean wall time of one training epoch (s); memory = peak over training (GB)."

COMPARISON_SPECS: dict[str, ComparisonSpec] = {
    "A": ComparisonSpec(
        "Table A (MPIS paper): MPIS vs BPTT, accuracy, time per epoch and memory by T",
        "mpis_vs_bptt", ["dataset", "method", "T"],
        [ValueColumn("Params", "params_count", "parameters", difference=False),
         ValueColumn("Acc %", "accuracy", "accuracy_mean"),
         ValueColumn("Time/epoch s", "time_s", "epoch_time_s"),
         ValueColumn("Memory GB", "memory_gb", "peak_memory_gb")],
        ["architecture", "note"], ("params",)),
    "B": ComparisonSpec(
        "Table B (MPIS paper): MPIS vs IDE on CIFAR, accuracy and time per epoch",
        "mpis_vs_ide", ["dataset", "method", "size", "T"],
        [ValueColumn("Params", None, "parameters", difference=False),
         ValueColumn("Acc %", "accuracy", "accuracy_mean"),
         ValueColumn("Time/epoch s", "time_s", "epoch_time_s")],
        ["note"]),
    "C": ComparisonSpec(
        "Table C (IDE paper): accuracy mean ± std and best over seeds, neurons, parameters, T",
        "ide_accuracy", ["dataset", "neuron", "architecture", "T"],
        [ValueColumn("Mean %", "accuracy_mean", "accuracy_mean"),
         ValueColumn("Std", "accuracy_std", "accuracy_std"),
         ValueColumn("Best %", "accuracy_best", "accuracy_best"),
         ValueColumn("Neurons", "neurons_count", "neurons", difference=False),
         ValueColumn("Params", "params_count", "parameters", difference=False)],
        ["note"], ("neurons", "params")),
    "G": ComparisonSpec(
        "Table G (gsnn, Yao et al.): accuracy, time per epoch and memory against the release (T = 1)",
        "gsnn_release", ["dataset", "method", "T"],
        [ValueColumn("Params", "params_count", "parameters", difference=False),
         ValueColumn("Acc %", "accuracy", "accuracy_mean"),
         ValueColumn("Time/epoch s", None, "epoch_time_s", difference=False),
         ValueColumn("Memory GB", None, "peak_memory_gb", difference=False)],
        ["architecture", "source", "note"], ("params",)),
    "M": ComparisonSpec(
        "IDE paper: training memory on CIFAR-10 AlexNet-F by T (IDE vs STBP)",
        "ide_memory", ["method", "T"],
        [ValueColumn("Memory GB", "memory_gb", "peak_memory_gb"),
         ValueColumn("Acc %", "accuracy_mean", "accuracy_mean"),
         ValueColumn("Time/epoch s", None, "epoch_time_s", difference=False)],
        ["note"]),
}
