r"""Spiking cells that process one window of a feature map per call.

All tensors are channels-last windows ``(B, M, M, C)``. A cell maps its (encoded) input and the
state it starts from to the new state; its last layer's spikes are its output. The cell holds
weights only: potentials and spikes go in and out as a :class:`CellState`, so the mixer decides how
they are handed from window to window and from time step to time step.

* :class:`SpikingConvCell` ("CNN-SNN", the release's ``SNN`` of ``layers_ecml_cnn_*.py``): two 3x3
  convolutions (``C -> h -> h``, padding 1, with bias), each feeding one LIF layer,

  .. math::
      (s_1, u_1) = \mathrm{LIF}(\mathrm{conv}_1(x), u_1, s_1), \qquad
      (s_2, u_2) = \mathrm{LIF}(\mathrm{conv}_2(s_1), u_2, s_2).

  (The release convolves ``window.transpose(1, 3)``, i.e. rows and columns swapped; that equals
  this cell with transposed kernels, which matters only for loading its weights.)

* :class:`SpikingRecurrentCell` ("LSTM-SNN", the release's ``SNN`` of ``layers_ecml_lstm_10.py``;
  ``kind`` = ``lstm``, ``gru`` or ``rnn``): the window's tokens, flattened row by row into a
  sequence of length :math:`M^2`, go through a (bidirectional) recurrent layer whose output
  (:math:`2h` or :math:`h` channels) is the current of one LIF layer. The recurrent layer's gates
  and hidden state are ordinary real-valued computations and start from zero in every window.
"""

from __future__ import annotations

from typing import NamedTuple

from torch import Tensor, nn

from mpis.models.gsnn.neurons import LIFParameters, lif_step

CELL_KINDS = ("cnn", "lstm", "gru", "rnn")
RECURRENT_LAYERS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class CellState(NamedTuple):
    potentials: tuple[Tensor, ...]  # u of every LIF layer, (B, M, M, channels of that layer)
    spikes: tuple[Tensor, ...]  # s of every LIF layer at this step (the last one is the output)


class SpikingConvCell(nn.Module):
    """Two 3x3 convolutions, each followed by a LIF layer."""

    layer_names = ("lif1", "lif2")

    def __init__(self, in_channels: int, hidden_channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, hidden_channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(hidden_channels, hidden_channels, kernel_size=3, padding=1)
        self.layer_channels = (hidden_channels, hidden_channels)

    @property
    def output_channels(self) -> int:
        return self.layer_channels[-1]

    @staticmethod
    def _conv(conv: nn.Conv2d, x: Tensor) -> Tensor:
        return conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)

    def forward(self, x: Tensor, state: CellState, params: LIFParameters) -> CellState:
        s1, u1 = lif_step(self._conv(self.conv1, x), state.potentials[0], state.spikes[0], params)
        s2, u2 = lif_step(self._conv(self.conv2, s1), state.potentials[1], state.spikes[1], params)
        return CellState((u1, u2), (s1, s2))


class SpikingRecurrentCell(nn.Module):
    """A (bidirectional) LSTM, GRU or tanh-RNN over the window's tokens, feeding one LIF layer."""

    layer_names = ("lif",)

    def __init__(self, kind: str, input_size: int, hidden_size: int, bidirectional: bool = True):
        super().__init__()
        if kind not in RECURRENT_LAYERS:
            raise ValueError(f"cell={kind!r} is invalid for a recurrent cell; allowed: one of "
                             f"{', '.join(RECURRENT_LAYERS)}")
        self.rnn = RECURRENT_LAYERS[kind](input_size, hidden_size, num_layers=1, bias=True,
                                          batch_first=True, bidirectional=bidirectional)
        self.layer_channels = (hidden_size * (2 if bidirectional else 1),)

    @property
    def output_channels(self) -> int:
        return self.layer_channels[-1]

    def forward(self, x: Tensor, state: CellState, params: LIFParameters) -> CellState:
        batch, rows, columns, channels = x.shape
        current, _ = self.rnn(x.reshape(batch, rows * columns, channels))
        current = current.reshape(batch, rows, columns, -1)
        s, u = lif_step(current, state.potentials[0], state.spikes[0], params)
        return CellState((u,), (s,))


def build_cell(kind: str, dim: int, bidirectional: bool = True) -> SpikingConvCell | SpikingRecurrentCell:
    """The cell ``kind`` (one of ``CELL_KINDS``) with input and hidden size ``dim``."""
    if kind == "cnn":
        return SpikingConvCell(dim, dim)
    if kind in RECURRENT_LAYERS:
        return SpikingRecurrentCell(kind, dim, dim, bidirectional)
    raise ValueError(f"cell={kind!r} is invalid; allowed: one of {', '.join(CELL_KINDS)}")
