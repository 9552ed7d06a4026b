"""The papers' reference numbers (ALGORITHMS.md §7, ECML.md §2), kept as CSV files in ``analysis/paper_data``.

>>> load_paper_numbers("ide_accuracy").query("dataset == 'MNIST'")["accuracy_mean"].tolist()
[99.49, 99.53]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PAPER_DATA_DIR = Path(__file__).parent / "paper_data"
PAPER_TABLES = {
    "ide_accuracy": "IDE paper: accuracy over 5 runs, neurons and params (ALGORITHMS.md §7.1)",
    "ide_memory": "IDE paper: training memory on CIFAR-10 AlexNet-F by T (§7.1)",
    "ide_firing_rates": "IDE paper: firing rate per layer, CIFAR-10 AlexNet-F (§7.1)",
    "ide_baselines": "IDE paper: other methods cited in its tables (§7.2)",
    "mpis_vs_bptt": "MPIS paper, table A: MPIS vs BPTT by T (§7.3)",
    "mpis_firing_rates": "MPIS paper: firing rate per layer (§7.3)",
    "mpis_vs_ide": "MPIS paper, table B: MPIS vs IDE on CIFAR (§7.3)",
    "mpis_recent_methods": "MPIS paper, table C: comparison with recent methods (§7.3)",
    "gsnn_release": "gsnn (Yao et al., ACML 2023): the release's screenshots and supp. Table 2 (ECML.md §2)",
    "preset_rows": "our presets and gradient modes mapped to the papers' rows",
}
TEXT_COLUMNS = ("T", "layer", "neurons", "params", "size", "note", "cell", "source")  # kept as written in the paper


def load_paper_numbers(name: str) -> pd.DataFrame:
    """The paper table ``name`` (a key of :data:`PAPER_TABLES`) as a DataFrame; empty cells are NaN."""
    if name not in PAPER_TABLES:
        raise KeyError(f"no paper table {name!r}; available: {', '.join(PAPER_TABLES)}")
    frame = pd.read_csv(PAPER_DATA_DIR / f"{name}.csv", dtype={column: str for column in TEXT_COLUMNS},
                        keep_default_na=False, na_values=[""])
    if "T" in frame and name != "ide_baselines":
        frame["T"] = frame["T"].astype(int)
    return frame


def parse_count(text: str | float) -> float:
    """A paper's rounded count as a number: ``"229K"`` -> 229000.0, ``"3.7M"`` -> 3.7e6; NaN if blank."""
    if not isinstance(text, str) or not text.strip():
        return float("nan")
    text = text.strip().lstrip("> ").rstrip()
    scale = {"K": 1e3, "M": 1e6, "G": 1e9}.get(text[-1].upper(), 1.0)
    number = text[:-1] if scale != 1.0 else text
    try:
        return float(number) * scale
    except ValueError:
        return float("nan")
