import pytest
import torch

from model.networks.resnet9 import Classifier, ClassifierConfig, features, predict


def test_shapes_of_features_and_predictions():
    net = Classifier(ClassifierConfig(width=4))
    images = torch.rand(5, 3, 32, 32) * 2 - 1
    assert features(net, images).shape == (5, net.feature_size)
    assert features(net, images).dtype == torch.float64
    predictions = predict(net, images, batch=2)
    assert predictions.shape == (5,) and predictions.dtype == torch.long
    assert ((predictions >= 0) & (predictions < 10)).all()
    assert sum(p.numel() for p in Classifier(ClassifierConfig()).parameters()) < 500_000


def test_bad_inputs_are_rejected():
    net = Classifier(ClassifierConfig(width=4))
    with pytest.raises(ValueError, match="uint8"):
        predict(net, torch.zeros(1, 3, 32, 32, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"\[N, 3, H, W\]"):
        features(net, torch.zeros(3, 32, 32))
