"""Read study results offline and lay them out like the papers: tables, figures and notebooks.

* ``analysis.load_results``: ``load_trials(study_dir)`` (one row per trial) and ``load_histories``;
* ``analysis.trial_ranking``: ``rank_trials`` / ``best_trial`` / ``best_trial_per_method``, the one
  ranking rule (ties: the lower trial_id) of every table, figure and study summary;
* ``analysis.tables``: tables A-F and M, ``python -m analysis.tables STUDY_DIR --table A``;
* ``analysis.figures``: figures as PNG and SVG, ``python -m analysis.figures STUDY_DIR --out DIR``;
* ``analysis.paper_numbers``: the papers' reference numbers (``paper_data/*.csv``);
* ``analysis/notebooks``: ``paper_tables.ipynb`` and ``sweep_explorer.ipynb``.

Nothing here imports Ray or unpickles anything: studies are read from their JSON files, and
checkpoints with ``torch.load(weights_only=True)``.
"""
