"""Keys that studies add to every reported metrics dict (besides ``mpis.metric_names``), and files
they write into a trial folder. ``studies/README.md`` documents them for ``analysis``."""

from mpis.metric_names import NODE  # the node's IP address

NODE_ID = "node_id"  # Ray node id: tells apart two nodes of one machine (they share an IP)
HOSTNAME = "hostname"  # host name of the node
TRIAL_FOLDER = "trial_folder"  # the trial's folder name in the study directory (also an Optuna user attribute)
RAY_TRIAL_ID = "ray_trial_id"  # Optuna user attribute: Ray Tune's trial id
STATUS = "status"  # STATUS_OK on every epoch row, STATUS_DIVERGED on a diverged trial's last row
STATUS_OK = "ok"
STATUS_DIVERGED = "diverged"
DIVERGED_WHAT = "diverged_what"  # TrainingDiverged.what: "loss", "rate", "gradient", "parameter", "backward_fallbacks"
DIVERGED_EPOCH = "diverged_epoch"  # 1-based epoch in which it diverged
DIVERGED_STEP = "diverged_step"  # training step within that epoch
DIVERGED_VALUE = "diverged_value"  # the offending value (nan, inf or a huge residual)

VARIANT = "variant"  # grid studies: the name of the arm, a key of StudySpec.variants

CONFIG_FILE = "mpis_config.json"  # config_to_flat_dict(the trial's ExperimentConfig)
ATTEMPTS_FILE = "mpis_attempts.jsonl"  # one line per start of the trial
PROGRESS_FILE = "mpis_progress.json"  # inside each checkpoint: {"epoch": n}
ORPHAN_FILE = "mpis_orphaned.json"  # a trial folder Tune's saved state never recorded
JOURNAL_FILE = "optuna_journal.log"  # in the study directory: the Optuna study of a sweep

__all__ = ["NODE", "NODE_ID", "HOSTNAME", "TRIAL_FOLDER", "RAY_TRIAL_ID", "STATUS", "STATUS_OK", "STATUS_DIVERGED", "DIVERGED_WHAT",
           "DIVERGED_EPOCH", "DIVERGED_STEP", "DIVERGED_VALUE", "VARIANT", "CONFIG_FILE",
           "ATTEMPTS_FILE", "PROGRESS_FILE", "ORPHAN_FILE", "JOURNAL_FILE"]
