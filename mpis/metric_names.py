"""Names of the per-epoch metrics, in one place: the trainer reports them, studies optimise them,
analysis reads them. Flat snake_case keys without slashes (they never collide with ``config/...``)."""

EPOCH = "epoch"  # 1-based epoch just finished
TRAIN_LOSS = "train_loss"
TRAIN_ACCURACY = "train_accuracy"  # percent
TEST_ACCURACY = "test_accuracy"  # percent, top-1 on the (limited) test split, model.eval()
BEST_TEST_ACCURACY = "best_test_accuracy"  # max over epochs so far
EPOCH_TIME_S = "epoch_time_s"  # wall time of one training epoch (CUDA-synchronised), test excluded
SAMPLES_PER_S = "samples_per_s"  # training samples per second
PEAK_MEMORY_MB = "peak_memory_mb"  # CUDA max allocated, else the process's peak RSS
MEMORY_KIND = "memory_kind"  # "cuda_max_allocated" or "cpu_peak_rss"
FIRING_RATE_TOTAL = "firing_rate_total"  # all spikes / all spiking neurons / T (unweighted, §6)
FIRING_RATE_LAYER_PREFIX = "firing_rate_s"  # + "<stream>_l<layer>", e.g. firing_rate_s0_l1
FORWARD_RESIDUAL = "forward_residual"  # final ||a[t]-a[t-1]|| / ||a[t]|| of the simulation, epoch mean
FORWARD_RESIDUAL_STREAM_PREFIX = "forward_residual_s"  # + stream: that stream's final relative change
FORWARD_STEPS = "forward_steps"  # simulation steps run, epoch mean
# (the trainer takes FORWARD_* from the training steps, whose equilibria the gradient relies on, and
# FIRING_RATE_* from the test pass in eval mode, as the IDE rate script does)
BACKWARD_STEPS = "backward_steps"  # backward-solver VJPs per training step, epoch mean
BACKWARD_RESIDUAL = "backward_residual"  # final relative residual of the adjoint solve, epoch mean
PARAMETERS = "parameters"  # trainable parameters
NEURONS = "neurons"  # input + spiking + output neurons
TEST_LOSS = "test_loss"  # mean cross-entropy on the (limited) test split, model.eval()
LEARNING_RATE = "learning_rate"  # lr of the epoch's last training step (warm-up and milestones applied)
NODE = "node"  # hostname / node IP the trial ran on (set by studies)
DEVICE = "device"  # e.g. "cpu" or the CUDA device name
