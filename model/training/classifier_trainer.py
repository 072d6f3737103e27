"""Training, saving and loading the CIFAR-10 classifier (networks/resnet9.py).

Training follows ResNet-9's recipe (Page 2018): SGD with Nesterov momentum, a one-cycle learning
rate, label smoothing, random crops (4 pixels of reflection padding) and horizontal flips; about
half an hour on one CPU core for CIFAR-10.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from typing import Any, Optional

import torch
import torch.nn.functional as F

from ..networks.resnet9 import Classifier, ClassifierConfig, accuracy, to_float
from . import checkpoint
from .data import ImageDataset

FORMAT = "edge-diffusion-classifier-v1"
RUN_FORMAT = "edge-diffusion-classifier-run-v1"  # a resumable training state, not a classifier to use


@dataclass
class TrainSettings:
    epochs: int = 12
    batch_size: int = 256
    lr: float = 0.4  # peak, after a linear warm-up over the first fifth of training
    momentum: float = 0.9
    weight_decay: float = 5e-4
    label_smoothing: float = 0.2
    seed: int = 0


def augment(images: torch.Tensor, generator: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crops from reflection-padded images, and random horizontal flips."""
    n, _, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad), mode="reflect")
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=generator).tolist()
    flip = torch.rand(n, generator=generator) < 0.5
    out = torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])
    out[flip] = out[flip].flip(3)
    return out


def one_cycle(step: int, total: int, peak: float) -> float:
    """Linear warm-up to `peak` over the first fifth of training, then linear decay to 0."""
    warm = max(1, total // 5)
    return peak * step / warm if step < warm else peak * max(0.0, (total - step) / max(1, total - warm))


def fit(net: Classifier, images: torch.Tensor, labels: torch.Tensor, settings: TrainSettings,
        state_path: Optional[str] = None, log: Any = print) -> None:
    """Train `net` on float images in [-1, 1]; with `state_path`, save after each epoch and resume from it."""
    generator = torch.Generator().manual_seed(settings.seed)
    decay = [p for p in net.parameters() if p.dim() > 1]
    no_decay = [p for p in net.parameters() if p.dim() <= 1]  # BatchNorm: decaying it only hurts
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": settings.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=0.0, momentum=settings.momentum, nesterov=True)
    steps_per_epoch = math.ceil(images.shape[0] / settings.batch_size)
    total = settings.epochs * steps_per_epoch
    start = 0
    if state_path and os.path.isfile(state_path):
        state = checkpoint.load(state_path, fmt=RUN_FORMAT, required=("net", "optimizer", "generator", "epoch"),
                                kind="a classifier training state")
        net.load_state_dict(state["net"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        start = state["epoch"]
        log(f"resumed from {state_path} after epoch {start}")
    net.train()
    for epoch in range(start, settings.epochs):
        began = time.time()
        order = torch.randperm(images.shape[0], generator=generator)
        total_loss = 0.0
        for k in range(steps_per_epoch):
            index = order[k * settings.batch_size:(k + 1) * settings.batch_size]
            for group in optimizer.param_groups:
                group["lr"] = one_cycle(epoch * steps_per_epoch + k, total, settings.lr)
            logits = net(augment(images[index], generator))
            loss = F.cross_entropy(logits, labels[index], label_smoothing=settings.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += float(loss)
        if state_path:
            checkpoint.save(state_path, {"net": net.state_dict(), "optimizer": optimizer.state_dict(),
                                         "generator": generator.get_state(), "epoch": epoch + 1},
                            fmt=RUN_FORMAT)
        log(f"epoch {epoch + 1}/{settings.epochs}: loss {total_loss / steps_per_epoch:.4f}, "
            f"{images.shape[0] / (time.time() - began):.0f} img/s")
    net.eval()


def train_and_test(train_set: ImageDataset, test_set: ImageDataset, width: int, settings: TrainSettings,
                   state_path: Optional[str] = None) -> tuple[Classifier, dict[str, Any]]:
    """A classifier of `width` fitted to `train_set` (resuming from `state_path`), and the facts to save
    with it: its accuracy on `test_set`, the data, the settings and the time this run took."""
    torch.manual_seed(settings.seed)
    net = Classifier(ClassifierConfig(width=width))
    began = time.time()
    fit(net, to_float(train_set.images), train_set.labels, settings, state_path)
    facts = {"test_accuracy": accuracy(net, to_float(test_set.images), test_set.labels),
             "test_images": len(test_set), "train_images": len(train_set), "class_names": train_set.class_names,
             "settings": asdict(settings), "parameters": sum(p.numel() for p in net.parameters()),
             "wall_seconds_last_run": round(time.time() - began)}
    return net, facts


# Files -------------------------------------------------------------------------------------------

def save(path: str, net: Classifier, facts: dict[str, Any]) -> None:
    checkpoint.save(path, {"config": asdict(net.config), "state_dict": net.state_dict(), **facts}, fmt=FORMAT)


def load(path: str) -> tuple[Classifier, dict[str, Any]]:
    """The classifier (in eval mode) and the facts saved with it (test_accuracy, ...)."""
    if not os.path.isfile(path):
        raise checkpoint.CheckpointError(
            f"classifier not found: {path} (train one with python -m model.train_classifier train)")
    state = checkpoint.load(path, fmt=FORMAT, required=("config", "state_dict"),
                            kind="a classifier written by model.train_classifier")
    net = Classifier(ClassifierConfig(**state["config"]))
    net.load_state_dict(state["state_dict"])
    facts = {k: v for k, v in state.items() if k not in ("config", "state_dict", "format")}
    return net.eval().requires_grad_(False), facts
