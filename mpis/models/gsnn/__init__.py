"""The "general SNN framework" of Yao, Wu, Chen and Zhang (ACML 2023): windowed spiking token mixers
(CNN or LSTM/GRU/RNN cells with LIF neurons) in a hierarchical residual backbone, at T >= 1.

Example:
    >>> import torch
    >>> from mpis.models.gsnn import build_gsnn
    >>> model = build_gsnn("gsnn_digits_cnn", {"encoder": "direct"})
    >>> output = model(torch.rand(2, 1, 8, 8))
    >>> tuple(output.logits.shape), 0 <= output.total_firing_rate() <= 1
    ((2, 10), True)
"""

from mpis.models.gsnn.activity import SpikeCount, firing_rates, total_firing_rate
from mpis.models.gsnn.config import GSNNConfig
from mpis.models.gsnn.net import GSNNNet, GSNNOutput, block_geometries, stage_map_sizes, window_schedule
from mpis.models.gsnn.presets import GSNN_PRESETS, build_gsnn, gsnn_config
from mpis.models.gsnn.release_parameters import release_parameter_count

__all__ = [
    "GSNNConfig", "GSNNNet", "GSNNOutput", "GSNN_PRESETS", "SpikeCount", "block_geometries", "build_gsnn", "firing_rates",
    "gsnn_config", "release_parameter_count", "stage_map_sizes", "total_firing_rate", "window_schedule",
]
