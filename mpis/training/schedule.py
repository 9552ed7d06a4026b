r"""The papers' learning-rate schedule (ALGORITHMS.md §5.5): linear warm-up, then milestone decay.

.. math::
    \mathrm{lr}(i, e) = \mathrm{lr}_0 \cdot \gamma^{|\{m \in M:\ m \le e\}|} \cdot
    \min\Big(1, \frac{i + 1}{W}\Big)

for global iteration ``i`` (0-based, counted over all epochs) in epoch ``e`` (0-based), milestones
``M``, decay ``gamma`` and ``W`` warm-up iterations (no warm-up when ``W = 0``). The milestone part is
``MultiStepLR`` stepped once per epoch. The schedule is a pure function of ``(i, e)``, so a resumed
run continues it exactly (the released scripts instead skip the warm-up on resume, pitfall 20).
"""

from __future__ import annotations

import torch

from mpis.config import TrainConfig


def learning_rate_at(train: TrainConfig, iteration: int, epoch_index: int) -> float:
    """The learning rate of global iteration ``iteration`` in 0-based epoch ``epoch_index``."""
    decays = sum(1 for milestone in train.milestones if milestone <= epoch_index)
    rate = train.learning_rate * train.lr_decay**decays
    if iteration < train.warmup_iterations:
        rate *= (iteration + 1) / train.warmup_iterations
    return rate


def set_learning_rate(optimizer: torch.optim.Optimizer, rate: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = rate


def build_optimizer(model: torch.nn.Module, train: TrainConfig) -> torch.optim.Optimizer:
    """SGD with momentum (or Adam, betas 0.9/0.999); weight decay on every trainable parameter."""
    parameters = [p for p in model.parameters() if p.requires_grad]
    if train.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=train.learning_rate, betas=(0.9, 0.999),
                                weight_decay=train.weight_decay)
    return torch.optim.SGD(parameters, lr=train.learning_rate, momentum=train.momentum,
                           weight_decay=train.weight_decay)
