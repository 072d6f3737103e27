import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from model.diffusion.resample import enlarge, shrink


@pytest.mark.parametrize("factor", [2, 4])
def test_lanczos_enlarges_as_pil_does_away_from_the_edges(factor):
    image = np.random.default_rng(0).random((12, 17)).astype(np.float32)
    pil = np.asarray(Image.fromarray(image, mode="F").resize((17 * factor, 12 * factor), Image.Resampling.LANCZOS))
    ours = enlarge(torch.from_numpy(image).double(), factor).numpy()
    inside = slice(3 * factor, -3 * factor)  # PIL drops taps past the edge, we repeat the edge pixel
    assert np.abs(ours - pil)[inside, inside].max() < 1e-4


def test_the_linear_kernel_keeps_a_ramp_and_every_kernel_keeps_a_flat_image():
    ramp = torch.arange(10, dtype=torch.float64).repeat(6, 1)
    out = enlarge(ramp, 4, "linear")
    expected = (torch.arange(40, dtype=torch.float64) + 0.5) / 4 - 0.5  # where each output pixel samples the input
    assert torch.allclose(out[:, 2:-2], expected[2:-2].expand(24, -1))
    for kernel in ("lanczos3", "linear"):
        flat = torch.full((2, 5, 7), 0.3, dtype=torch.float64)
        assert torch.allclose(enlarge(flat, 2, kernel), torch.full((2, 10, 14), 0.3, dtype=torch.float64))
    with pytest.raises(ValueError, match="unknown kernel"):
        enlarge(ramp, 2, "nearest")


def test_shrinking_averages_blocks_and_repeats_the_edge_for_partial_ones():
    x = torch.randn(2, 3, 12, 9, dtype=torch.float64)
    assert torch.allclose(shrink(x, 3), F.avg_pool2d(x, 3))
    odd = shrink(x[..., :11, :8], 3)
    assert odd.shape == (2, 3, 4, 3)
    corner = x[..., 9:11, 6:8].sum(dim=(-1, -2)) + x[..., 10, 6:8].sum(-1) + x[..., 9:11, 7].sum(-1) + x[..., 10, 7]
    assert torch.allclose(odd[..., -1, -1], corner / 9)  # the last row and column stand in for the missing third
