"""Parameter count of the released model's module tree, including the modules it never runs.

ptflops' "26.84 M params" (CNN) and "30.63 M" (LSTM) for the CIFAR-10 models count every module
the release constructs. Several are built but never called in a forward pass, so ``GSNNNet`` does
not allocate them (they have no effect on the output and never get a gradient):

* both files: the final ``LayerNorm(d_last)`` (its call is commented out);
* CNN files, per block: ``norm1`` and ``norm2`` (``LayerNorm(d)``, not applied), the ``backward_snn``
  copy of the cell (two more 3x3 convolutions) and a ``Conv1d(d, 2d, 3)`` (``BiSNN.conv``);
* LSTM file, per block: a membrane ``PatchMerging(2d)`` (``Linear(8d, 4d)``, no bias); only the one
  in the last block of stages 0..n-2 runs (``GSNNNet.membrane_merges`` holds exactly those).

This count needs the release's shape rules: dims double from stage to stage (its patch merging is
4C -> 2C) and recurrent cells are bidirectional.
"""

from __future__ import annotations

from mpis.models.gsnn.config import GSNNConfig

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def _linear(n_in: int, n_out: int, bias: bool = True) -> int:
    return n_in * n_out + (n_out if bias else 0)


def _conv(n_in: int, n_out: int, kernel_elements: int) -> int:
    return n_in * n_out * kernel_elements + n_out


def _release_block(config: GSNNConfig, d: int) -> int:
    """One ``Sequencer2DBlock`` of the release, with its unused modules."""
    mlp = _linear(d, int(config.mlp_ratio * d)) + _linear(int(config.mlp_ratio * d), d)
    if config.cell == "cnn":
        cell = 2 * (_conv(d, d, 9) + _conv(d, d, 9))  # forward_snn and the unused backward_snn
        return mlp + cell + _conv(d, 2 * d, 3) + _linear(d, d) + 2 * (2 * d)  # + BiSNN.conv, fc, norm1/2
    gates = _GATES[config.cell]
    recurrent = 2 * (gates * d * (d + d) + 2 * gates * d)  # bidirectional, hidden = d
    return mlp + recurrent + _linear(2 * d, d) + _linear(8 * d, 4 * d, bias=False)  # + fc, down


def release_parameter_count(config: GSNNConfig) -> int:
    """Parameters of the release's module tree for ``config`` (used and unused modules)."""
    dims = config.dims
    if any(b != 2 * a for a, b in zip(dims, dims[1:])) or (config.cell != "cnn" and not config.bidirectional):
        raise ValueError(f"dims={dims!r}, cell={config.cell!r}, bidirectional={config.bidirectional!r} have "
                         f"no release counterpart; allowed: dims doubling per stage, bidirectional cells")
    total = _conv(config.in_channels, dims[0], config.patch_size ** 2)  # stem
    total += sum(depth * _release_block(config, d) for d, depth in zip(dims, config.depths))
    total += sum(_linear(4 * d, 2 * d, bias=False) for d in dims[:-1])  # PatchMerging between stages
    return total + 2 * dims[-1] + _linear(dims[-1], config.num_classes)  # final norm, head
