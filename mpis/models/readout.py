"""The IDE readout: a non-spiking linear classifier on the flattened equilibrium rate (§2.3)."""

from __future__ import annotations

from torch import Tensor, nn


class LinearReadout(nn.Module):
    """``logits = W_o flatten(a) + b_o`` on the last layer of stream 0."""

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        self.classifier = nn.Linear(in_features, num_classes)

    def forward(self, rates: list[Tensor]) -> Tensor:
        return self.classifier(rates[0].flatten(1))

    def rate_readers(self) -> list[tuple[int, nn.Module]]:
        """``(stream, op)`` for every op whose input is a stream's rate (its spikes, counted as ACs)."""
        return [(0, self.classifier)]
