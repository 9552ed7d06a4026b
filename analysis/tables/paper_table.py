"""A finished table: its title, the frame (numbers kept numeric), notes such as the hardware ours ran
on, how each numeric column is printed, and for LaTeX its ``\\label`` and short column headers."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

PAPER_HARDWARE = "Papers: hardware not stated (ALGORITHMS.md §6)."


class PaperTable(NamedTuple):
    title: str
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    formats: dict[str, str] = {}  # column -> format spec such as ".2f"; default ".2f" for floats
    label: str = ""  # LaTeX \label, e.g. "tab:E-cifar10-sweep" (set by analysis.tables.registry)
    short_names: dict[str, str] = {}  # column -> short LaTeX header (the notes then list the full names)

    def _repr_markdown_(self) -> str:
        """Jupyter shows a table as its markdown export."""
        from analysis.tables.export import to_markdown  # export imports this module

        return to_markdown(self)


def describe_hardware(hardware) -> str:
    """``mpis_study.json``'s hardware (a string, or the studies' dict of driver CPU, GPUs and nodes)
    in one line, e.g. "AMD EPYC (driver); cluster: 1 node, 2 CPUs, 0 GPUs"."""
    if not hardware:
        return "hardware not recorded in mpis_study.json"
    if not isinstance(hardware, dict):
        return str(hardware)
    parts = [f"{hardware['driver_cpu']} (driver)"] if hardware.get("driver_cpu") else []
    gpus = [str(gpu) for gpu in hardware.get("driver_gpus") or []]
    gpus += [str(n["accelerator"]) for n in hardware.get("nodes") or [] if isinstance(n, dict) and n.get("accelerator")]
    if gpus:
        parts.append("GPUs: " + ", ".join(sorted(set(gpus))))
    nodes = hardware.get("nodes") or []
    if "cluster_cpus" in hardware:
        parts.append(f"cluster: {len(nodes)} node(s), {hardware['cluster_cpus']:g} CPUs, "
                     f"{hardware.get('cluster_gpus', 0):g} GPUs")
    return "; ".join(parts) or "hardware not recorded in mpis_study.json"


def hardware_note(study_info: dict, trials: pd.DataFrame) -> str:
    """"Ours ran on: <mpis_study.json hardware>; devices: <DEVICE metric>; nodes: <NODE metric>."""
    parts = [describe_hardware(study_info.get("hardware"))]
    for label, column in (("devices", "device"), ("nodes", "node")):
        if column in trials and trials[column].notna().any():
            parts.append(f"{label}: " + ", ".join(sorted({str(v) for v in trials[column].dropna()})))
    return "Ours ran on: " + "; ".join(parts) + ". " + PAPER_HARDWARE


def memory_note(trials: pd.DataFrame) -> str | None:
    """A warning when our memory is CPU peak RSS rather than CUDA allocations (not comparable)."""
    if "memory_kind" in trials and trials["memory_kind"].astype(str).str.startswith("cpu_").any():
        return "Our memory is the process's peak RSS on CPU, not GPU memory: compare with care."
    return None


def outcome_note(all_trials: pd.DataFrame) -> str:
    """"Study trials: 12 completed, 1 diverged, 1 error."""
    counts = all_trials["status"].value_counts()
    return "Study trials: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + "."
