"""Small synthetic data made on the fly: the tests never read the real CIFAR-10."""
from __future__ import annotations

import dataclasses
import os
import pickle

# Tiny models run fastest on one thread, and do not fight a training run in the background for cores.
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from model.diffusion.schedule import DiffusionConfig  # noqa: E402
from model.networks.resnet9 import Classifier, ClassifierConfig  # noqa: E402
from model.networks.unet import UNet, UNetConfig  # noqa: E402
from model.training import checkpoint  # noqa: E402
from model.training.classifier_trainer import save as save_classifier  # noqa: E402
from model.training.data import CIFAR10_CLASSES  # noqa: E402

torch.set_num_threads(1)


def synthetic_cifar(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8)


def write_cifar(root, layout_dir: str, suffix: str, write) -> None:
    """Six batches of 4 synthetic images (seeds 0-5) in one of CIFAR-10's layouts."""
    (root / layout_dir).mkdir()
    for seed, name in enumerate([f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]):
        images, labels = synthetic_cifar(4, seed)
        write(root / layout_dir / (name + suffix), images.reshape(4, -1), labels)


def write_binary(path, data, labels) -> None:  # records of 1 label byte + 3072 pixel bytes
    np.concatenate([labels[:, None], data], axis=1).tofile(path)


def write_pickle(path, data, labels) -> None:  # torchvision's dicts of b"data" and b"labels"
    with open(path, "wb") as f:
        pickle.dump({b"data": data, b"labels": labels.tolist()}, f)


@pytest.fixture
def cifar_binary(tmp_path):
    write_cifar(tmp_path, "cifar-10-batches-bin", ".bin", write_binary)
    return tmp_path


@pytest.fixture
def cifar_python(tmp_path):
    write_cifar(tmp_path, "cifar-10-batches-py", "", write_pickle)
    return tmp_path


@pytest.fixture
def image_folder(tmp_path):
    """Two classes of 24x20 images: dark squares and bright squares, easy for a tiny model."""
    root = tmp_path / "folder"
    rng = np.random.default_rng(0)
    for name, level in (("bright", 200), ("dark", 50)):
        (root / name).mkdir(parents=True)
        for i in range(8):
            pixels = np.clip(level + rng.normal(0, 10, (20, 24, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


@pytest.fixture
def tiny_model(tmp_path):
    """An untrained 32x32 UNet of a few thousand parameters, and an untrained classifier."""
    torch.manual_seed(0)
    unet = UNetConfig(image_size=32, model_channels=8, channel_mult=(1, 2), num_res_blocks=1,
                      attention_resolutions=(16,), num_heads=2, groups=4)
    diffusion = DiffusionConfig(timesteps=100, prediction="v")
    path, judge = str(tmp_path / "ema.pt"), str(tmp_path / "classifier.pt")
    checkpoint.save(path, {"unet": dataclasses.asdict(unet), "diffusion": dataclasses.asdict(diffusion),
                           "ema": UNet(unet).state_dict(), "class_names": CIFAR10_CLASSES, "step": 3})
    save_classifier(judge, Classifier(ClassifierConfig(width=4)),
                    {"test_accuracy": 0.1, "class_names": CIFAR10_CLASSES, "parameters": 1})
    return path, judge
