"""The project's own CIFAR-10 classifier: the feature extractor of `model.eval` (Inception weights
cannot be downloaded here), and the judge of class-conditional samples and restored images.

    python -m model.classifier train --data <CIFAR-10 dir> --out model/weights/classifier.pt

The network is a ResNet-9 (Page 2018, "How to train your ResNet", the DAWNBench CIFAR-10 entry) at
a quarter of its width: about 0.4M parameters, so it trains in about half an hour on one CPU core.
Training follows the same recipe: SGD with Nesterov momentum, a one-cycle learning rate, label
smoothing, random crops (4 pixels of reflection padding) and horizontal flips. Images are float
[-1, 1] NCHW, as everywhere in model/.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import nn

from . import checkpoint
from .data import DatasetError, load_cifar10
from .threads import use_cpu_threads

FORMAT = "edge-diffusion-classifier-v1"
RUN_FORMAT = "edge-diffusion-classifier-run-v1"  # a resumable training state, not a classifier to use


@dataclass
class ClassifierConfig:
    num_classes: int = 10
    in_channels: int = 3
    width: int = 16  # ResNet-9's 64 / 4: channels are width, 2, 4 and 8 times it


def _conv_bn(cin: int, cout: int, pool: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                               nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(_conv_bn(channels, channels), _conv_bn(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Classifier(nn.Module):
    """ResNet-9: prep, (conv-pool + residual), conv-pool, (conv-pool + residual), global max pool, linear."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.config = config
        w = config.width
        self.body = nn.Sequential(
            _conv_bn(config.in_channels, w),
            _conv_bn(w, 2 * w, pool=True), Residual(2 * w),
            _conv_bn(2 * w, 4 * w, pool=True),
            _conv_bn(4 * w, 8 * w, pool=True), Residual(8 * w),
            nn.AdaptiveMaxPool2d(1), nn.Flatten())
        self.head = nn.Linear(8 * w, config.num_classes, bias=False)

    @property
    def feature_size(self) -> int:
        return 8 * self.config.width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # ResNet-9 scales its logits down: with label smoothing, it trains faster than a free scale.
        return 0.125 * self.head(self.body(x))


def _batched(net: Classifier, images: torch.Tensor, fn: Any, batch: int) -> torch.Tensor:
    if images.dim() != 4 or images.shape[1] != net.config.in_channels:
        raise ValueError(f"expected images [N, {net.config.in_channels}, H, W] in [-1, 1], got shape "
                         f"{tuple(images.shape)}")
    if images.dtype == torch.uint8:
        raise ValueError("expected float images in [-1, 1], got uint8: use images.float() / 127.5 - 1")
    was_training = net.training
    net.eval()
    with torch.no_grad():
        out = torch.cat([fn(images[i:i + batch].float()) for i in range(0, images.shape[0], batch)]) \
            if images.shape[0] else torch.empty(0)
    net.train(was_training)
    return out


def features(net: Classifier, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Penultimate-layer features [N, feature_size] (float64) of float images [N, C, H, W] in [-1, 1]."""
    return _batched(net, images, net.body, batch).double()


def predict(net: Classifier, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """Predicted class indices [N] of float images [N, C, H, W] in [-1, 1]."""
    return _batched(net, images, lambda x: net(x).argmax(dim=1), batch).long()


def accuracy(net: Classifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    if images.shape[0] != labels.shape[0] or images.shape[0] == 0:
        raise ValueError(f"need as many labels as images, and at least one: {images.shape[0]} images, "
                         f"{labels.shape[0]} labels")
    return float((predict(net, images) == labels).double().mean())


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] to float [-1, 1]."""
    return images.float() / 127.5 - 1


# Training ----------------------------------------------------------------------------------------

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


# Files -------------------------------------------------------------------------------------------

def save(path: str, net: Classifier, facts: dict[str, Any]) -> None:
    checkpoint.save(path, {"config": asdict(net.config), "state_dict": net.state_dict(), **facts}, fmt=FORMAT)


def load(path: str) -> tuple[Classifier, dict[str, Any]]:
    """The classifier (in eval mode) and the facts saved with it (test_accuracy, ...)."""
    if not os.path.isfile(path):
        raise checkpoint.CheckpointError(
            f"classifier not found: {path} (train one with python -m model.classifier train)")
    state = checkpoint.load(path, fmt=FORMAT, required=("config", "state_dict"),
                            kind="a classifier written by model.classifier")
    net = Classifier(ClassifierConfig(**state["config"]))
    net.load_state_dict(state["state_dict"])
    facts = {k: v for k, v in state.items() if k not in ("config", "state_dict", "format")}
    return net.eval().requires_grad_(False), facts


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.classifier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train on CIFAR-10 and save the weights with their test accuracy")
    train.add_argument("--data", required=True, help="CIFAR-10 directory (official binary or python layout)")
    train.add_argument("--out", required=True, help="where to write the classifier, e.g. model/weights/classifier.pt")
    train.add_argument("--run-dir", help="where to keep a resumable training state (saved after every epoch)")
    train.add_argument("--width", type=int, default=ClassifierConfig.width)
    for name, default in asdict(TrainSettings()).items():
        train.add_argument("--" + name.replace("_", "-"), type=type(default), default=default)
    args = parser.parse_args(argv)
    use_cpu_threads()
    try:
        train_set, test_set = load_cifar10(args.data, "train"), load_cifar10(args.data, "test")
    except DatasetError as e:
        sys.exit(f"error: {e}")
    settings = TrainSettings(**{k: getattr(args, k) for k in asdict(TrainSettings())})
    torch.manual_seed(settings.seed)
    net = Classifier(ClassifierConfig(width=args.width))
    began = time.time()
    state_path = os.path.join(args.run_dir, "state.pt") if args.run_dir else None
    fit(net, to_float(train_set.images), train_set.labels, settings, state_path)
    test_accuracy = accuracy(net, to_float(test_set.images), test_set.labels)
    parameters = sum(p.numel() for p in net.parameters())
    save(args.out, net, {"test_accuracy": test_accuracy, "test_images": len(test_set), "train_images": len(train_set),
                         "class_names": train_set.class_names, "settings": asdict(settings), "parameters": parameters,
                         "wall_seconds_last_run": round(time.time() - began)})
    print(f"wrote {args.out}: {parameters} parameters, test accuracy {test_accuracy:.4f} on {len(test_set)} images")


if __name__ == "__main__":
    main()
