import torch

from model.diffusion.fill import fill_lost, pull_push


def lost_box(height: int, width: int) -> torch.Tensor:
    known = torch.ones(height, width, dtype=torch.bool)
    known[2:6, 3:9] = False
    return known


def test_known_pixels_stay_and_a_flat_image_is_filled_flat():
    known = lost_box(9, 13)
    flat = torch.full((1, 3, 9, 13), 0.25, dtype=torch.float64) * known  # lost pixels hold garbage (zero)
    out = fill_lost(flat, known)
    assert torch.allclose(out, torch.full_like(out, 0.25))


def test_the_fill_stays_within_the_known_values_and_follows_a_ramp():
    known = lost_box(9, 13)
    ramp = torch.linspace(-1, 1, 13, dtype=torch.float64).repeat(2, 1, 9, 1)
    out = fill_lost(ramp * known, known)
    assert torch.equal(out[..., known], ramp[..., known])
    assert float(out.min()) >= -1 and float(out.max()) <= 1
    assert float((out - ramp).abs().max()) < 0.15  # a smooth guess, not the exact ramp


def test_pull_push_fills_even_a_single_known_pixel_everywhere():
    known = torch.zeros(5, 7, dtype=torch.bool)
    known[4, 6] = True
    x = torch.zeros(1, 1, 5, 7, dtype=torch.float64)
    x[0, 0, 4, 6] = 0.7
    assert torch.allclose(pull_push(x, known), torch.full_like(x, 0.7))
