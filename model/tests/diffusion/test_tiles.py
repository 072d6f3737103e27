import pytest
import torch

from model.diffusion.tiles import random_offsets, tile_positions, tiled_eps_model


@pytest.mark.parametrize("length", [32, 33, 50, 64, 100])
def test_every_pixel_is_covered_at_every_offset_by_tiles_inside_the_image(length):
    for offset in range(32):
        starts = tile_positions(length, 32, offset)
        covered = torch.zeros(length, dtype=torch.bool)
        for s in starts:
            assert 0 <= s <= length - 32
            covered[s:s + 32] = True
        assert bool(covered.all()) and starts == sorted(set(starts))


def test_the_offset_moves_the_tile_starts():
    assert tile_positions(64, 32, 0) == [0, 32]
    assert tile_positions(64, 32, 10) == [0, 10, 32]  # -22 pulled in to 0, 42 pulled in to 32
    assert tile_positions(96, 32, 16) == [0, 16, 48, 64]
    assert len({tuple(tile_positions(100, 32, k)) for k in range(32)}) > 16


def test_a_side_as_long_as_the_tile_has_one_tile_at_every_offset():
    assert all(tile_positions(32, 32, k) == [0] for k in range(32))


def test_random_offsets_change_at_every_call_and_stay_in_range():
    draw = random_offsets(32, torch.Generator().manual_seed(0))
    offsets = [draw() for _ in range(20)]
    assert all(0 <= dy < 32 and 0 <= dx < 32 for dy, dx in offsets) and len(set(offsets)) > 10


@pytest.mark.parametrize("two_grids_first", [False, True])
def test_a_pointwise_model_gives_the_same_result_tiled_as_untiled(two_grids_first):
    def pointwise(x: torch.Tensor, t: float) -> torch.Tensor:
        assert x.shape[1:] == (3, 8, 8)  # the model only ever sees tiles
        return torch.tanh(x) * 0.5 + t

    x = torch.randn(2, 3, 20, 27, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    tiled = tiled_eps_model(pointwise, 8, random_offsets(8, torch.Generator().manual_seed(2)),
                            two_grids_first=two_grids_first)
    for _ in range(5):  # a different grid at every call
        assert torch.allclose(tiled(x, 0.25), torch.tanh(x) * 0.5 + 0.25, atol=1e-12)


def test_the_batch_is_images_times_tiles():
    batches = []

    def counting(x: torch.Tensor, t: float) -> torch.Tensor:
        batches.append(len(x))
        return x

    one_grid = 3 * len(tile_positions(16, 8, 0)) * len(tile_positions(16, 8, 4))
    assert one_grid == 3 * 2 * 3
    for two_grids_first in (False, True):
        model = tiled_eps_model(counting, 8, lambda: (0, 4), two_grids_first=two_grids_first)
        for _ in range(2):
            model(torch.zeros(3, 1, 16, 16), 0.0)
    # With two grids first: the unshifted grid's 4 tiles and the 9 of the grid shifted by (4, 4), which holds those 4.
    assert batches == [one_grid, one_grid, 3 * 9, one_grid]


def test_the_first_call_blends_two_grids_so_a_tile_level_error_leaves_no_seam():
    def tile_mean(x: torch.Tensor, t: float) -> torch.Tensor:  # each tile's prediction is off by its own shade
        return x.mean(dim=(1, 2, 3), keepdim=True).expand_as(x)

    ramp = torch.linspace(-1, 1, 64, dtype=torch.float64).expand(1, 1, 48, 64)
    model = tiled_eps_model(tile_mean, 16, lambda: (5, 3), two_grids_first=True)

    def worst_column_step(out: torch.Tensor) -> float:
        """A seam is a line: the step between neighbouring columns, along the whole column, at the worst column."""
        return float((out[..., 1:] - out[..., :-1]).abs()[0, 0].mean(dim=0).max())

    jumps = [worst_column_step(model(ramp, 0.0)), worst_column_step(model(ramp, 0.0))]
    # One grid steps by a tile's worth of the ramp at its seams (16 of its 2/63 per pixel); two blended ones
    # by twice the ramp's slope at worst.
    assert jumps[1] > 0.5
    assert jumps[0] < 0.07


def test_bad_sizes_and_offsets_are_rejected_with_reasons():
    with pytest.raises(ValueError, match="smaller than the tile"):
        tile_positions(20, 32, 0)
    for offset in (-1, 32):
        with pytest.raises(ValueError, match=r"offset must be in \[0, 32\)"):
            tile_positions(64, 32, offset)
    with pytest.raises(ValueError, match="smaller than the tile"):
        tiled_eps_model(lambda x, t: x, 32, lambda: (0, 0))(torch.zeros(1, 3, 32, 20), 0.0)


def test_only_tiles_holding_a_needed_pixel_run_and_the_fallback_predicts_the_rest():
    runs = []

    def network(tiles: torch.Tensor, t: float) -> torch.Tensor:
        runs.append(len(tiles))
        return torch.full_like(tiles, 7.0)

    needed = torch.zeros(64, 96, dtype=torch.bool)
    needed[5, 40] = True  # inside the tile at (0, 32) of the unshifted grid
    model = tiled_eps_model(network, 32, lambda: (0, 0), needed, lambda x, t: torch.full_like(x, -1.0),
                            two_grids_first=True)
    model(torch.randn(2, 3, 64, 96), 10.0)  # the first call: a tile of each grid holds it, (0, 32) and (0, 16)
    out = model(torch.randn(2, 3, 64, 96), 10.0)
    assert runs == [2 * 2, 2]  # then one tile for each of the two images
    assert out[0, 0, 5, 40] == 7 and out[1, 2, 31, 63] == 7 and out[0, 0, 40, 40] == -1
    with pytest.raises(ValueError, match="both"):
        tiled_eps_model(network, 32, lambda: (0, 0), needed)
