import numpy as np
import pytest

from model.training.data import DatasetError, load_cifar10, load_dataset, load_image_folder

from ..conftest import synthetic_cifar


@pytest.mark.parametrize("layout", ["cifar_binary", "cifar_python"])
def test_both_cifar_layouts_parse_to_the_same_pixels_and_labels(layout, request):
    root = request.getfixturevalue(layout)
    train = load_cifar10(str(root), "train")
    test = load_cifar10(str(root), "test")
    assert train.images.shape == (20, 3, 32, 32) and test.images.shape == (4, 3, 32, 32)
    images, labels = synthetic_cifar(4, seed=0)  # data_batch_1 was made with seed 0
    assert np.array_equal(train.images[:4].numpy(), images)
    assert train.labels[:4].tolist() == labels.tolist()
    assert train.class_names[3] == "cat"


def test_image_folder_is_resized_and_labelled_by_subfolder(image_folder):
    data = load_image_folder(str(image_folder), 16)
    assert data.images.shape == (16, 3, 16, 16)
    assert data.class_names == ["bright", "dark"]
    assert data.images[data.labels == 0].float().mean() > 150 > data.images[data.labels == 1].float().mean()


def test_a_bare_directory_is_recognised(cifar_binary, image_folder):
    assert load_dataset(str(cifar_binary), 32).name == "CIFAR-10 (train)"
    assert load_dataset(str(image_folder), 16).name == "folder"


def test_missing_path_names_the_layouts_it_expects(tmp_path):
    with pytest.raises(DatasetError, match="CIFAR-10 not found at .*data_batch_1.bin.*python layout"):
        load_cifar10(str(tmp_path / "nowhere"))


def test_wrong_layout_fails_clearly(tmp_path, cifar_binary):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "data_batch_1.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(DatasetError, match="not a multiple of 3073"):
        load_cifar10(str(tmp_path / "bad"))
    (cifar_binary / "cifar-10-batches-bin" / "test_batch.bin").unlink()
    with pytest.raises(DatasetError, match="missing test_batch.bin"):
        load_cifar10(str(cifar_binary), "test")
    with pytest.raises(DatasetError, match="32x32 RGB"):
        load_dataset(str(cifar_binary), 16)


def test_a_non_image_in_the_folder_is_named(image_folder):
    (image_folder / "dark" / "notes.png").write_text("not an image")
    with pytest.raises(DatasetError, match="notes.png is not a readable image"):
        load_image_folder(str(image_folder), 16)


def test_an_empty_folder_says_what_it_wants(tmp_path):
    with pytest.raises(DatasetError, match="no class subfolders"):
        load_image_folder(str(tmp_path), 16)
