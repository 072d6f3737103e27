import torch

from model.diffusion.fill import fill_lost


def lost_box(height: int, width: int) -> torch.Tensor:
    known = torch.ones(height, width, dtype=torch.bool)
    known[2:6, 3:9] = False
    return known


def test_known_pixels_stay_and_a_flat_image_is_filled_flat():
    known = lost_box(9, 13)
    flat = torch.full((1, 3, 9, 13), 0.25, dtype=torch.float64) * known  # lost pixels hold garbage (zero)
    out = fill_lost(flat, known)
    assert torch.allclose(out, torch.full_like(out, 0.25))


def test_a_surface_with_no_squared_laplacian_is_filled_exactly_where_pull_push_is_not():
    known = lost_box(9, 13)
    columns = torch.linspace(-1, 1, 13, dtype=torch.float64)
    bowl = (columns ** 2 - 0.5 * columns).repeat(2, 1, 9, 1)  # its Laplacian is constant: a slope that keeps bending
    out = fill_lost(bowl * known, known, iterations=200, tolerance=0)
    assert torch.equal(out[..., known], bowl[..., known])
    assert float((out - bowl).abs().max()) < 1e-9
    assert float((fill_lost(bowl * known, known, iterations=0) - bowl).abs().max()) > 0.05
    assert float((fill_lost(bowl * known, known) - bowl).abs().max()) < 1e-3  # the default stops close to it


def test_pull_push_fills_even_a_single_known_pixel_everywhere():
    known = torch.zeros(5, 7, dtype=torch.bool)
    known[4, 6] = True
    x = torch.zeros(1, 1, 5, 7, dtype=torch.float64)
    x[0, 0, 4, 6] = 0.7
    assert torch.allclose(fill_lost(x, known, iterations=0), torch.full_like(x, 0.7))
    assert torch.allclose(fill_lost(x, known), torch.full_like(x, 0.7))
