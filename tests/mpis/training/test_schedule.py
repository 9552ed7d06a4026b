"""The papers' optimiser and schedule (ALGORITHMS.md §5.5): warm-up per iteration, decay per epoch."""

import pytest
import torch

from mpis.config import TrainConfig
from mpis.training.schedule import build_optimizer, learning_rate_at


def test_linear_warmup_then_milestone_decay_like_multisteplr():
    train = TrainConfig(learning_rate=0.05, milestones=(2, 4), lr_decay=0.1, warmup_iterations=4)
    assert [learning_rate_at(train, i, 0) for i in range(5)] == pytest.approx([0.0125, 0.025, 0.0375, 0.05, 0.05])
    assert [learning_rate_at(train, 100, e) for e in range(6)] == pytest.approx([0.05, 0.05, 0.005, 0.005, 5e-4, 5e-4])
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    reference = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.1)
    for epoch in range(6):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(learning_rate_at(train, 100, epoch))
        optimizer.step()
        reference.step()


def test_no_warmup_means_full_rate_from_the_first_iteration():
    assert learning_rate_at(TrainConfig(learning_rate=0.1, warmup_iterations=0), 0, 0) == 0.1


def test_sgd_has_momentum_and_weight_decay_on_every_parameter_and_adam_uses_the_papers_betas():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    sgd = build_optimizer(model, TrainConfig(momentum=0.9, weight_decay=5e-4))
    group = sgd.param_groups[0]
    assert isinstance(sgd, torch.optim.SGD) and (group["momentum"], group["weight_decay"]) == (0.9, 5e-4)
    assert len(group["params"]) == 4  # linear weight and bias, BN weight and bias
    adam = build_optimizer(model, TrainConfig(optimizer="adam", learning_rate=1e-3))
    assert isinstance(adam, torch.optim.Adam) and adam.param_groups[0]["betas"] == (0.9, 0.999)
