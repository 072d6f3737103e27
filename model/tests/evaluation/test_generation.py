import torch

from model.evaluation.generation import balanced_labels, grid_order


def test_labels_are_balanced_and_the_grid_has_a_row_per_class():
    labels = balanced_labels(25, 10)
    assert torch.bincount(labels).tolist() == [3] * 5 + [2] * 5
    assert labels[grid_order(labels, 10, per_class=2)].tolist() == [k for k in range(10) for _ in range(2)]
