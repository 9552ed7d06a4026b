"""Window geometry, condense (against an independent overlap average and Algorithm 1), region threshold."""

import pytest
import torch

from mpis.models.gsnn.windows import (
    condense,
    coverage,
    dilated_windows,
    partition,
    region_threshold,
    regular_windows,
    window_geometry,
)

SIDES = (4, 8, 12, 16)


def _overlap_average_by_pixel(windows, offsets, side):
    """Per pixel: the mean of every window value that lands on it (plain loops, no folding)."""
    batch, m, _, channels = windows[0].shape
    out = torch.zeros(batch, side, side, channels, dtype=windows[0].dtype)
    for i in range(side):
        for j in range(side):
            hits = [w[:, i - r, j - c] for w, (r, c) in zip(windows, offsets)
                    if r <= i < r + m and c <= j < c + m]
            out[:, i, j] = torch.stack(hits).mean(dim=0)
    return out


def _algorithm_1(g1, g2, g3, g4, side):
    """Supplement Algorithm 1 ("weighted condense"), transcribed; layout (B, H, W, C)."""
    m = 3 * side // 4
    wo = 2 * m - side
    half, three_half = wo // 2, 3 * wo // 2

    def merge_width(a, b):
        cover = (a[:, :, half:three_half, :] + b[:, :, 0:wo, :]) / 2
        return torch.cat([a[:, :, 0:half, :], cover, b[:, :, wo:three_half, :]], dim=2)

    g12, g34 = merge_width(g1, g2), merge_width(g3, g4)
    cover = (g12[:, half:three_half, :, :] + g34[:, 0:wo, :, :]) / 2
    return torch.cat([g12[:, 0:half, :, :], cover, g34[:, wo:three_half, :, :]], dim=1)


def _random_windows(geometry, seed=0):
    generator = torch.Generator().manual_seed(seed)
    m = geometry.window_size
    return [torch.rand(2, m, m, 3, generator=generator, dtype=torch.float64) for _ in range(4)]


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("kind", ["regular", "dilated"])
def test_condense_equals_an_independent_overlap_average(side, kind):
    geometry = window_geometry(side, kind, 0.75)
    windows = _random_windows(geometry)
    expected = _overlap_average_by_pixel(windows, geometry.offsets, side)
    torch.testing.assert_close(condense(windows, geometry), expected)


@pytest.mark.parametrize("side", SIDES)
def test_condense_equals_algorithm_1_at_ratio_three_quarters(side):
    geometry = dilated_windows(side, 0.75)
    windows = _random_windows(geometry, seed=1)
    torch.testing.assert_close(condense(windows, geometry), _algorithm_1(*windows, side))


@pytest.mark.parametrize("side, ratio", [(8, 0.625), (16, 0.625), (10, 0.6), (16, 0.875)])
def test_condense_handles_other_ratios_and_inverts_partition(side, ratio):
    geometry = dilated_windows(side, ratio)
    windows = _random_windows(geometry, seed=2)
    expected = _overlap_average_by_pixel(windows, geometry.offsets, side)
    torch.testing.assert_close(condense(windows, geometry), expected)
    x = torch.rand(2, side, side, 3, dtype=torch.float64)
    torch.testing.assert_close(condense(partition(x, geometry), geometry), x)


def test_dilated_geometry_and_coverage_match_the_paper():
    geometry = dilated_windows(8, 0.75)
    assert (geometry.window_size, geometry.overlap) == (6, 4)
    assert geometry.offsets == ((0, 0), (0, 2), (2, 0), (2, 2))
    counts = coverage(geometry)[..., 0]
    assert counts[0, 0] == 1 and counts[0, 4] == 2 and counts[4, 0] == 2
    assert (counts[2:6, 2:6] == 4).all() and counts.sum() == 4 * 36
    assert (coverage(regular_windows(8)) == 1).all()


@pytest.mark.parametrize("side, ratio", [(2, 0.75), (7, 0.75), (4, 0.625), (12, 0.625), (8, 0.5), (8, 1.0),
                                         (8, 0.3)])
def test_invalid_dilated_windows_raise(side, ratio):
    with pytest.raises(ValueError, match="window_ratio"):
        dilated_windows(side, ratio)


@pytest.mark.parametrize("side", [1, 7, 0])
def test_invalid_regular_windows_raise(side):
    with pytest.raises(ValueError, match="regular windows"):
        regular_windows(side)


def test_unknown_window_kind_and_wrong_map_raise():
    with pytest.raises(ValueError, match="window kind"):
        window_geometry(8, "shifted", 0.75)
    with pytest.raises(ValueError, match="does not match"):
        partition(torch.zeros(1, 6, 6, 1), regular_windows(8))


VALUES = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
REGION_TABLE = {  # threshold -> (fill="keep", fill="zero")
    0.1: ([0, 1, 1, 1, 1], [0, 1, 1, 1, 1]),
    0.2: ([0, 1, 1, 1, 1], [0, 1, 1, 1, 1]),
    0.25: ([0, 0.25, 1, 1, 1], [0, 0, 1, 1, 1]),
    0.3: ([0, 0.25, 1, 1, 1], [0, 0, 1, 1, 1]),
    0.6: ([0, 0.25, 0.5, 1, 1], [0, 0, 0, 1, 1]),
    0.75: ([0, 0.25, 0.5, 0.75, 1], [0, 0, 0, 0, 1]),
}


@pytest.mark.parametrize("threshold", sorted(REGION_TABLE))
@pytest.mark.parametrize("fill", ["keep", "zero"])
def test_region_threshold_maps_median_spikes_as_specified(threshold, fill):
    expected = REGION_TABLE[threshold][0 if fill == "keep" else 1]
    assert region_threshold(VALUES, threshold, fill).tolist() == expected


def test_region_threshold_off_is_identity_and_bad_fill_raises():
    assert region_threshold(VALUES, None, "zero") is VALUES
    with pytest.raises(ValueError, match="region_fill"):
        region_threshold(VALUES, 0.1, "drop")


def test_region_threshold_gradients():
    x = VALUES.clone().requires_grad_()
    region_threshold(x, 0.3, "keep").sum().backward()
    assert x.grad.tolist() == [1, 1, 0, 0, 0]  # values set to 1 pass no gradient (the release)
    x.grad = None
    region_threshold(x, 0.3, "zero").sum().backward()
    assert x.grad.tolist() == [1, 1, 1, 1, 1]  # straight-through
