"""Datasets, loaded whole into memory as uint8 [N, C, H, W] with int64 labels.

Three layouts: CIFAR-10's official binary files, the python pickles that torchvision downloads, and
a folder of images with one subfolder per class (any size: resized and centre-cropped).
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
BINARY_DIR = "cifar-10-batches-bin"
PYTHON_DIR = "cifar-10-batches-py"
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


class DatasetError(ValueError):
    """A dataset path that does not hold what we expected, with what to do about it."""


@dataclass
class ImageDataset:
    images: torch.Tensor  # uint8 [N, C, H, W]
    labels: torch.Tensor  # int64 [N]
    class_names: list[str]
    name: str  # for people: "CIFAR-10", or the image folder's name

    def __len__(self) -> int:
        return self.images.shape[0]


def _cifar_files(split: str, layout: str) -> list[str]:
    if layout == "binary":
        return [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    return [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]


def _find_cifar(root: str) -> tuple[str, str] | None:
    """(directory, layout) of a CIFAR-10 copy at or directly below `root`, if there is one."""
    for directory in (root, os.path.join(root, BINARY_DIR), os.path.join(root, PYTHON_DIR)):
        if os.path.isfile(os.path.join(directory, "data_batch_1.bin")):
            return directory, "binary"
        if os.path.isfile(os.path.join(directory, "data_batch_1")):
            return directory, "python"
    return None


def _read_binary(path: str) -> tuple[np.ndarray, np.ndarray]:
    raw = np.fromfile(path, dtype=np.uint8)
    record = 1 + 3 * 32 * 32
    if raw.size == 0 or raw.size % record != 0:
        raise DatasetError(f"{path} is not a CIFAR-10 binary batch: {raw.size} bytes is not a multiple of {record}")
    raw = raw.reshape(-1, record)
    labels = raw[:, 0].astype(np.int64)
    if labels.max() >= len(CIFAR10_CLASSES):
        raise DatasetError(f"{path} has label {labels.max()}: not a CIFAR-10 binary batch")
    return raw[:, 1:].reshape(-1, 3, 32, 32), labels


def _read_python(path: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (pickle.UnpicklingError, KeyError, EOFError, ValueError, TypeError) as e:
        raise DatasetError(f"{path} is not a CIFAR-10 python batch (as torchvision downloads it): {e}") from e
    return data, labels


def load_cifar10(root: str, split: str = "train") -> ImageDataset:
    """CIFAR-10 from `root`: the official binary layout or torchvision's python layout."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    found = _find_cifar(root)
    if found is None:
        raise DatasetError(
            f"CIFAR-10 not found at {root}: expected data_batch_1.bin ... test_batch.bin "
            f"(official binary layout, optionally in {BINARY_DIR}/) or data_batch_1 ... test_batch "
            f"(python layout, optionally in {PYTHON_DIR}/)")
    directory, layout = found
    reader = _read_binary if layout == "binary" else _read_python
    parts = []
    for name in _cifar_files(split, layout):
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            raise DatasetError(f"CIFAR-10 at {directory} ({layout} layout) is missing {name}")
        parts.append(reader(path))
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return ImageDataset(torch.from_numpy(images.copy()), torch.from_numpy(labels), list(CIFAR10_CLASSES),
                        f"CIFAR-10 ({split})")


def _resize_crop(image: Image.Image, size: int) -> np.ndarray:
    """Scale the short side to `size`, then take the centre square."""
    w, h = image.size
    scale = size / min(w, h)
    image = image.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BICUBIC)
    w, h = image.size
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.uint8)


def load_image_folder(root: str, image_size: int, channels: int = 3) -> ImageDataset:
    """A folder with one subfolder per class, each holding images of any size."""
    if not os.path.isdir(root):
        raise DatasetError(f"image folder not found at {root}")
    class_names = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    if not class_names:
        raise DatasetError(f"{root} has no class subfolders: expected {root}/<class name>/<image files>")
    mode = "RGB" if channels == 3 else "L"
    images, labels = [], []
    for index, name in enumerate(class_names):
        for file in sorted(os.listdir(os.path.join(root, name))):
            if not file.lower().endswith(IMAGE_EXTENSIONS):
                continue
            path = os.path.join(root, name, file)
            try:
                with Image.open(path) as image:
                    array = _resize_crop(image.convert(mode), image_size)
            except (UnidentifiedImageError, OSError) as e:
                raise DatasetError(f"{path} is not a readable image: {e}") from e
            images.append(array.reshape(image_size, image_size, channels).transpose(2, 0, 1))
            labels.append(index)
    if not images:
        raise DatasetError(f"{root} has class subfolders but no images ({', '.join(IMAGE_EXTENSIONS)})")
    return ImageDataset(torch.from_numpy(np.stack(images)), torch.tensor(labels, dtype=torch.int64), class_names,
                        os.path.basename(os.path.normpath(root)))


def load_dataset(spec: str, image_size: int, channels: int = 3, split: str = "train") -> ImageDataset:
    """`cifar10:<dir>` or `folder:<dir>`; a bare directory is tried as CIFAR-10, then as a folder."""
    kind, _, path = spec.partition(":") if spec.split(":", 1)[0] in ("cifar10", "folder") else ("", "", spec)
    if kind == "folder" or (kind == "" and _find_cifar(path) is None and os.path.isdir(path)):
        return load_image_folder(path, image_size, channels)
    if _find_cifar(path) is not None and (image_size, channels) != (32, 3):
        raise DatasetError(f"CIFAR-10 is 32x32 RGB, but the model expects {image_size}x{image_size}x{channels}")
    return load_cifar10(path, split)


def subset(n: int, total: int, seed: int) -> torch.Tensor:
    """`n` distinct indices of `total`, drawn with `seed` (all of them when n is 0 or too large)."""
    order = torch.randperm(total, generator=torch.Generator().manual_seed(seed))
    return order if n <= 0 else order[:n]
