"""Names of the per-epoch metrics, in one place: the trainer reports them, studies optimise them,
analysis reads them. Flat snake_case keys without slashes (they never collide with ``config/...``)."""

EPOCH = "epoch"  # 1-based epoch just finished
TRAIN_LOSS = "train_loss"
TRAIN_ACCURACY = "train_accuracy"  # percent
TEST_ACCURACY = "test_accuracy"  # percent, top-1 on the (limited) test split, model.eval()
BEST_TEST_ACCURACY = "best_test_accuracy"  # max over epochs so far
EPOCH_TIME_S = "epoch_time_s"  # wall time of one training epoch (CUDA-synchronised), test excluded
SAMPLES_PER_S = "samples_per_s"  # training samples per second
PEAK_MEMORY_MB = "peak_memory_mb"  # the epoch's peak: CUDA max allocated, else the process's peak RSS
MEMORY_KIND = "memory_kind"  # "cuda_max_allocated", "cpu_epoch_peak_rss" or "cpu_peak_rss" (mpis/training/device.py)
FIRING_RATE_TOTAL = "firing_rate_total"  # all spikes / all spiking neurons / T (unweighted, §6)
FIRING_RATE_LAYER_PREFIX = "firing_rate_s"  # + "<stream>_l<layer>", e.g. firing_rate_s0_l1
FIXED_POINT_RESIDUAL = "fixed_point_residual"  # ||f(a) - a|| / ||a|| at the simulated rates, epoch mean
FIXED_POINT_RESIDUAL_MAX = "fixed_point_residual_max"  # its maximum over the epoch's steps
FIXED_POINT_RESIDUAL_STREAM_PREFIX = "fixed_point_residual_s"  # + stream (+ "_max"): that stream's
SPECTRAL_RADIUS = "spectral_radius"  # rho(J) at the equilibrium, max over the measured batch's samples
SPECTRAL_RADIUS_MEDIAN = "spectral_radius_median"  # its median over those samples
RATE_STEP_CHANGE = "rate_step_change"  # final ||a[t]-a[t-1]|| / ||a[t]|| of the simulation, epoch mean
RATE_STEP_CHANGE_STREAM_PREFIX = "rate_step_change_s"  # + stream: that stream's final step change
FORWARD_STEPS = "forward_steps"  # simulation steps run, epoch mean
# (the trainer takes the fixed-point, spectral and step-change figures from the training steps, whose
# equilibria the gradient relies on, and FIRING_RATE_* from the test pass in eval mode, as the IDE
# rate script does)
BACKWARD_STEPS = "backward_steps"  # backward-solver VJPs per training step (failed solves included), mean
BACKWARD_RESIDUAL = "backward_residual"  # the configured solver's final relative residual, epoch mean
BACKWARD_RESIDUAL_MAX = "backward_residual_max"  # its maximum over the epoch's steps
BACKWARD_FALLBACKS = "backward_fallbacks"  # steps whose solve failed and was replaced (never applied)
JACOBIAN_PENALTY = "jacobian_penalty"  # Hutchinson ||J||_F^2 / D on the regularised steps, epoch mean
GRADIENT_NORM = "gradient_norm"  # global L2 norm of the parameter gradients, epoch mean
SYNAPTIC_OPS = "synaptic_ops"  # spike-driven accumulates (ACs) per test sample (mpis.models.operation_count)
MACS = "macs"  # multiply-accumulates of the analog-input ops per test sample (stem, static first layer, fusion, head)
SYNAPTIC_OPS_LAYER_PREFIX = "synaptic_ops_"  # + layer key "s<stream>_l<layer>", "stem" or "head"
MACS_LAYER_PREFIX = "macs_"  # + layer key, as above
ENERGY_UJ = "energy_uj"  # E_AC * synaptic_ops + E_MAC * macs per test sample, microjoules (mpis.energy)
ENERGY_LAYER_PREFIX = "energy_uj_"  # + layer key, as above
ANN_MACS = "ann_macs"  # the same network as a dense ANN: every op once, as MACs, per sample
ANN_ENERGY_UJ = "ann_energy_uj"  # E_MAC * ann_macs
ENERGY_RATIO = "energy_ratio"  # ann_energy_uj / energy_uj (> 1: the SNN needs less)
PARAMETERS = "parameters"  # trainable parameters
NEURONS = "neurons"  # input + spiking + output neurons
TEST_LOSS = "test_loss"  # mean cross-entropy on the (limited) test split, model.eval()
LEARNING_RATE = "learning_rate"  # lr of the epoch's last training step (warm-up and milestones applied)
NODE = "node"  # hostname / node IP the trial ran on (set by studies)
DEVICE = "device"  # e.g. "cpu" or the CUDA device name
