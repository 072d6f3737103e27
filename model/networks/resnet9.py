"""The project's own CIFAR-10 classifier: the feature extractor of the Frechet distance (Inception weights
cannot be downloaded here), and the judge of class-conditional samples and restored images.

The network is a ResNet-9 (Page 2018, "How to train your ResNet", the DAWNBench CIFAR-10 entry) at
a quarter of its width: about 0.4M parameters. Images are float [-1, 1] NCHW, as everywhere in model/;
training/classifier_trainer.py trains it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn


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
