"""The release's LIF step, its rectangular surrogate, and the three input encoders."""

import pytest
import torch

from mpis.models.gsnn.neurons import ENCODERS, LIFParameters, lif_step, spike

RELEASE = LIFParameters()  # decay 0.4, V_th 0.5, surrogate half-width 0.5


def test_release_defaults():
    assert RELEASE == LIFParameters(decay=0.4, v_threshold=0.5, surrogate_width=0.5)


def test_lif_trajectory_under_constant_current():
    """u <- 0.4 u (1 - s) + 0.3: 0.3, 0.42, 0.468 (silent), then 0.6 fires and resets."""
    u, s = torch.zeros(1), torch.zeros(1)
    trajectory = []
    for current in (0.3, 0.3, 0.3, 0.6, 0.3):
        s, u = lif_step(torch.tensor([current]), u, s, RELEASE)
        trajectory.append((round(u.item(), 4), s.item()))
    assert trajectory == [(0.3, 0.0), (0.42, 0.0), (0.468, 0.0), (0.7872, 1.0), (0.3, 0.0)]


def test_spike_is_strict_and_the_surrogate_is_a_rectangle():
    u = torch.tensor([-0.1, 0.0, 0.01, 0.5, 0.51, 0.99, 1.0, 1.5], requires_grad=True)
    s = spike(u, RELEASE)
    assert s.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]  # a tie (u = V_th) stays silent, as input.gt(thresh)
    s.sum().backward()
    assert u.grad.tolist() == [0, 0, 1, 1, 1, 1, 0, 0]  # 1[|u - 0.5| < 0.5]


def test_bernoulli_encoder_is_a_rate_code_without_gradient():
    x = torch.tensor([-0.5, 0.0, 0.2, 0.7, 1.5]).repeat(4000, 1).requires_grad_()
    generator = torch.Generator().manual_seed(0)
    s = ENCODERS["bernoulli"](x, generator)
    assert not s.requires_grad and set(s.unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(s.mean(dim=0), torch.tensor([0.0, 0.0, 0.2, 0.7, 1.0]), atol=0.03, rtol=0)


def test_bernoulli_st_has_the_same_sample_and_the_gradient_of_its_expectation():
    x = torch.tensor([-0.5, 0.2, 0.7, 1.5], requires_grad=True)
    detached = ENCODERS["bernoulli"](x, torch.Generator().manual_seed(3))
    straight = ENCODERS["bernoulli_st"](x, torch.Generator().manual_seed(3))
    assert torch.equal(straight.detach(), detached)
    straight.sum().backward()
    assert x.grad.tolist() == [0, 1, 1, 0]


def test_direct_encoder_is_the_identity():
    x = torch.randn(3, 4)
    assert ENCODERS["direct"](x, None) is x


@pytest.mark.parametrize("name", ["bernoulli", "bernoulli_st"])
def test_encoders_draw_from_the_global_generator_without_one(name):
    x = torch.rand(64)
    torch.manual_seed(11)
    first = ENCODERS[name](x, None)
    torch.manual_seed(11)
    assert torch.equal(ENCODERS[name](x, None), first)
    assert not torch.equal(ENCODERS[name](x, None), first)  # the next draw differs
