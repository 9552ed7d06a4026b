"""Membrane fusion: each mode's formula, the Eq. 6 area of the product surface and supp. Table 1."""

import math

import pytest
import torch

from mpis.models.gsnn.fusion import (
    FUSION_MODES,
    fuse,
    over_activation_gap,
    product_surface_area,
)

TABLE_1 = {0.1: (0.05, -0.31), 0.3: (0.16, -0.21), 0.5: (0.22, -0.14), 0.7: (0.24, -0.13), 0.9: (0.20, -0.17)}


def _area(mode, theta, th, n=400):
    """Midpoint rule for the integral of fuse(X, Y) over (th, 2 th)^2, in float64."""
    grid = th + (torch.arange(n, dtype=torch.float64) + 0.5) * th / n
    x, y = torch.meshgrid(grid, grid, indexing="ij")
    return fuse(x, y, theta, mode).mean().item() * th * th


def _eq_6(theta, th):
    """Supplement Eq. 6, as printed."""
    return 16 * (math.sin(3 * theta * math.pi * th / 2) * math.sin(theta * math.pi * th / 4) ** 2) / (
        theta ** 2 * math.pi ** 2)


@pytest.mark.parametrize("theta", [0.1, 0.3, 0.5, 0.7, 0.9, 1.3])
@pytest.mark.parametrize("th", [0.5, 1.0])
def test_integrated_product_fusion_matches_the_closed_form(theta, th):
    area = _area("product", theta, th)
    assert area == pytest.approx(_eq_6(theta, th), rel=1e-5)
    assert product_surface_area(theta, th) == pytest.approx(_eq_6(theta, th), rel=1e-12)


@pytest.mark.parametrize("theta", sorted(TABLE_1))
def test_table_1_values_of_s_and_nabla_d(theta):
    surface, gap = TABLE_1[theta]
    plane = _area("sum", theta, 0.5)
    assert plane == pytest.approx(3 * 0.5 ** 3)
    assert _area("product", theta, 0.5) == pytest.approx(surface, abs=0.01)
    assert _area("product", theta, 0.5) - plane == pytest.approx(gap, abs=0.01)
    assert over_activation_gap(theta) == pytest.approx(gap, abs=0.01)


def test_nested_surface_differs_from_the_product_surface():
    assert _area("nested", 0.5, 0.5) == pytest.approx(0.233, abs=1e-3)
    assert _area("product", 0.5, 0.5) == pytest.approx(0.228, abs=1e-3)


def test_each_mode_computes_its_formula():
    x, y = torch.tensor([0.3, 0.9]), torch.tensor([0.7, 0.2])
    a = 0.7 * math.pi / 2
    expected = {
        "product": 2 * torch.sin(a * x) * torch.cos(a * y),
        "nested": 2 * torch.sin(a * x * torch.cos(a * y)),
        "mean": (x + y) / 2,
        "sum": x + y,
        "none": y,
    }
    assert set(expected) == set(FUSION_MODES)
    for mode, value in expected.items():
        torch.testing.assert_close(fuse(x, y, 0.7, mode), value)
    with pytest.raises(ValueError, match="fusion_mode"):
        fuse(x, y, 0.5, "max")


def test_release_fusion_is_nested_with_a_quarter_pi():
    x, y = torch.tensor(0.8), torch.tensor(0.6)
    release = 2 * torch.sin((x * math.pi / 4) * torch.cos(y * math.pi / 4))  # layers_ecml_cnn_10.py
    torch.testing.assert_close(fuse(x, y, 0.5, "nested"), release)
