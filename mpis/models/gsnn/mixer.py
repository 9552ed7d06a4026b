r"""The windowed spiking token mixer: one spiking cell slid over the 4 windows of a feature map.

Per block, the map ``(B, H, H, C)`` is cut into 4 windows (``windows.py``; regular or dilated, fixed
when the block is built). One cell (shared weights) visits them in order, top-left, top-right,
bottom-left, bottom-right; each window's input is encoded afresh (``neurons.ENCODERS``). The
membrane potential is handed from window to window, so the sweep plays the role of time steps.
With ``time_steps = T > 1`` the sweep is repeated T times: the hand-off continues from the last
window of one sweep to the first of the next, and each window's LIF reset uses the spikes that the
same window fired in the previous sweep (at T = 1 no reset acts, as in the release). The 4 output
spike windows are recomposed (``condense``), region-thresholded, averaged over the T sweeps
(the rate), and projected back to C channels by a linear layer.

How the potential is handed on follows the release:

* **CNN cell** (within a block only; every block starts from zero): layer 1 keeps its potential,
  layer 2 starts the next window from :math:`\Omega(u_1, u_2)` of the previous one (``fusion.py``).
* **Recurrent cells** (across blocks): a membrane map ``(B, H, H, D)`` comes in from the previous
  block (zeros at the first). Window :math:`k` starts from :math:`\Omega(X_k, Y_k)` with the
  release's pairs of old (incoming map) and new (this sweep's) window potentials,
  :math:`(X, Y) = (old_1, old_2), (new_1, old_2), (old_3, new_2), (old_4, new_3)`;
  the new window potentials are condensed into the map handed to the next block (or sweep).

All state lives in local variables of one forward; nothing is kept on the module.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn

from mpis.models.gsnn.activity import SpikeCount, SpikeCounter
from mpis.models.gsnn.cells import CellState, build_cell
from mpis.models.gsnn.config import GSNNConfig
from mpis.models.gsnn.fusion import fuse
from mpis.models.gsnn.neurons import ENCODERS, SPIKING_ENCODERS
from mpis.models.gsnn.windows import (
    WindowGeometry,
    condense,
    partition,
    region_threshold,
)

# window k starts from fuse(X, Y); each is ("old", j): window j of the incoming membrane map, or
# ("new", j): the potential window j reached in this sweep (the release's LSTM file, verbatim)
RELEASE_PAIRS = ((("old", 0), ("old", 1)), (("new", 0), ("old", 1)),
                 (("old", 2), ("new", 1)), (("old", 3), ("new", 2)))


class MixerOutput(NamedTuple):
    tokens: Tensor  # (B, H, H, C), the mixer's contribution to the residual stream
    membrane_map: Tensor | None  # recurrent cells: (B, H, H, D) for the next block; CNN: None
    spike_counts: dict[str, SpikeCount]  # "encoder" (spiking encoders only) and the cell's LIF layers


class WindowSpikingMixer(nn.Module):
    """Spiking token mixer over the 4 windows of ``geometry`` (see the module docstring)."""

    def __init__(self, dim: int, geometry: WindowGeometry, config: GSNNConfig):
        super().__init__()
        self.cell = build_cell(config.cell, dim, config.bidirectional)
        self.fc = nn.Linear(self.cell.output_channels, dim)
        self.geometry = geometry
        self.config = config
        self.carries_membrane_map = config.cell != "cnn"

    @property
    def membrane_channels(self) -> int:
        """D, the channels of the membrane map a recurrent cell hands to the next block."""
        return self.cell.output_channels

    def forward(self, x: Tensor, membrane_map: Tensor | None = None,
                generator: torch.Generator | None = None) -> MixerOutput:
        windows = partition(x, self.geometry)
        counter = SpikeCounter()
        if self.carries_membrane_map:
            rate, membrane_map = self._sweep_with_map(windows, membrane_map, counter, generator)
        else:
            rate, membrane_map = self._sweep_with_chain(windows, counter, generator), None
        return MixerOutput(self.fc(rate), membrane_map, counter.counts())

    def _zero_state(self, window: Tensor) -> tuple[Tensor, ...]:
        return tuple(window.new_zeros(*window.shape[:3], c) for c in self.cell.layer_channels)

    def _step(self, window: Tensor, potentials: tuple[Tensor, ...], previous_spikes: tuple[Tensor, ...],
              counter: SpikeCounter, generator: torch.Generator | None) -> CellState:
        """Encode one window and run the cell from ``potentials`` (1), recording spikes (2)."""
        cell_input = ENCODERS[self.config.encoder](window, generator)
        state = self.cell(cell_input, CellState(potentials, previous_spikes), self.config.lif)
        if self.config.encoder in SPIKING_ENCODERS:
            counter.add("encoder", cell_input)
        for name, spikes in zip(self.cell.layer_names, state.spikes):
            counter.add(name, spikes)
        return state

    def _recompose(self, outputs: list[Tensor]) -> Tensor:
        merged = condense(outputs, self.geometry)
        return region_threshold(merged, self.config.region_threshold, self.config.region_fill)

    def _hand_on(self, potentials: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """Layer 1 keeps its potential; layer l > 1 continues from fuse(u_{l-1}, u_l)."""
        theta, mode = self.config.theta, self.config.fusion_mode
        fused = [fuse(below, own, theta, mode) for below, own in zip(potentials[:-1], potentials[1:])]
        return (potentials[0], *fused)

    def _sweep_with_chain(self, windows: list[Tensor], counter: SpikeCounter,
                          generator: torch.Generator | None) -> Tensor:
        """CNN cell: T sweeps, the potential chained window to window; returns the spike rate map."""
        chain = self._zero_state(windows[0])
        previous = [chain] * len(windows)
        total = 0.0
        for _ in range(self.config.time_steps):
            outputs = []
            for k, window in enumerate(windows):
                state = self._step(window, chain, previous[k], counter, generator)
                previous[k] = state.spikes
                outputs.append(state.spikes[-1])
                chain = self._hand_on(state.potentials)
            total = total + self._recompose(outputs)
        return total / self.config.time_steps

    def _sweep_with_map(self, windows: list[Tensor], membrane_map: Tensor | None, counter: SpikeCounter,
                        generator: torch.Generator | None) -> tuple[Tensor, Tensor]:
        """Recurrent cell: T sweeps from the incoming membrane map; returns (rate map, new membrane map)."""
        if membrane_map is None:
            size = self.geometry.map_size
            membrane_map = windows[0].new_zeros(windows[0].shape[0], size, size, self.membrane_channels)
        previous = [self._zero_state(windows[0])] * len(windows)
        theta, mode = self.config.theta, self.config.fusion_mode
        total = 0.0
        for _ in range(self.config.time_steps):
            potentials = {"old": partition(membrane_map, self.geometry), "new": [None] * len(windows)}
            outputs = []
            for k, window in enumerate(windows):
                (x_source, x_index), (y_source, y_index) = RELEASE_PAIRS[k]
                start = fuse(potentials[x_source][x_index], potentials[y_source][y_index], theta, mode)
                state = self._step(window, (start,), previous[k], counter, generator)
                potentials["new"][k], previous[k] = state.potentials[0], state.spikes
                outputs.append(state.spikes[-1])
            membrane_map = condense(potentials["new"], self.geometry)
            total = total + self._recompose(outputs)
        return total / self.config.time_steps, membrane_map
