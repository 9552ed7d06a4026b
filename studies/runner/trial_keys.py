"""Keys that studies add to every reported metrics dict (besides ``mpis.metric_names``), and files
they write into a trial folder. ``studies/README.md`` documents them for ``analysis``."""

from mpis.metric_names import NODE  # the node's IP address

NODE_ID = "node_id"  # Ray node id: tells apart two nodes of one machine (they share an IP)
HOSTNAME = "hostname"  # host name of the node
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

__all__ = ["NODE", "NODE_ID", "HOSTNAME", "STATUS", "STATUS_OK", "STATUS_DIVERGED", "DIVERGED_WHAT",
           "DIVERGED_EPOCH", "DIVERGED_STEP", "DIVERGED_VALUE", "VARIANT", "CONFIG_FILE",
           "ATTEMPTS_FILE", "PROGRESS_FILE", "ORPHAN_FILE"]
