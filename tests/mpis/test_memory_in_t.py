"""Memory of the implicit models does not grow with T (bytes autograd saves for backward), while BPTT's
does."""

import pytest
import torch

from mpis.models import build_model
from mpis.saved_memory import saved_tensor_bytes
from tests.mpis.digits_models import digits_batch, model_config


def test_memory_saved_for_backward_does_not_grow_with_t():
    torch.manual_seed(0)
    x, y = digits_batch()
    sizes = []
    for steps in (5, 50):
        model = build_model(model_config(time_steps=steps)).train()
        sizes.append(saved_tensor_bytes(model, x, y))
    assert sizes[0] > 0 and sizes[0] == sizes[1]


def test_bptt_memory_grows_with_t_so_the_measurement_can_tell():
    x, y = digits_batch()
    sizes = [saved_tensor_bytes(build_model(model_config(time_steps=t, gradient="bptt")).train(), x, y)
             for t in (5, 25, 45)]
    assert sizes[1] - sizes[0] > 0
    assert sizes[2] - sizes[1] == pytest.approx(sizes[1] - sizes[0], rel=0.01)  # linear in T
