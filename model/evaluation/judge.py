"""The judge of generated and restored images: the project's CIFAR-10 classifier, with the Gaussian fitted
to its features of real training images (the reference of the Frechet distance)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..networks.resnet9 import Classifier, accuracy, features
from .metrics import frechet_distance_stats, gaussian_stats


@dataclass
class Judge:
    net: Classifier
    reference: tuple[np.ndarray, np.ndarray]  # mean and covariance of the reference images' features

    @classmethod
    def fitted(cls, net: Classifier, reference_images: torch.Tensor) -> Judge:
        return cls(net, gaussian_stats(features(net, reference_images)))

    def frechet(self, images: torch.Tensor) -> float:
        return frechet_distance_stats(*gaussian_stats(features(self.net, images)), *self.reference)

    def accuracy(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        return accuracy(self.net, images, labels)


def check_classes(model_classes: list[str], judge_classes: list[str]) -> None:
    """A class-conditional model must name the classifier's classes, in its order."""
    if model_classes and model_classes != judge_classes:
        raise ValueError(f"the model's classes {model_classes} are not the classifier's {judge_classes}: "
                         "class accuracy would be meaningless")
