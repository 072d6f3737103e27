import pytest
import torch

from model.networks.resnet9 import Classifier, ClassifierConfig, accuracy, predict
from model.training import checkpoint
from model.training import classifier_trainer as clf
from model.training.data import load_cifar10


def stripes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two trivially separable classes: horizontal and vertical stripes, in random colours and phases."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=g)
    coords = torch.arange(16).float()
    phase = torch.rand(n, 1, 1, generator=g) * 6.3
    wave = torch.sin(coords.view(1, 16, 1) * 1.5 + phase).expand(n, 16, 16)
    images = torch.where(labels.view(n, 1, 1) == 0, wave, wave.transpose(1, 2))
    colour = torch.rand(n, 3, 1, 1, generator=g) * 0.8 + 0.2
    return (images[:, None] * colour).clamp(-1, 1), labels


def test_it_learns_a_separable_set_and_round_trips(tmp_path):
    torch.manual_seed(0)
    net = Classifier(ClassifierConfig(num_classes=2, width=4))
    train, train_labels = stripes(256, seed=0)
    test, test_labels = stripes(64, seed=1)
    assert accuracy(net, test, test_labels) < 0.8  # chance before training
    clf.fit(net, train, train_labels, clf.TrainSettings(epochs=4, batch_size=32, lr=0.2),
            state_path=str(tmp_path / "state.pt"), log=lambda _: None)
    assert accuracy(net, test, test_labels) > 0.95
    clf.save(str(tmp_path / "c.pt"), net, {"test_accuracy": 0.97})
    loaded, facts = clf.load(str(tmp_path / "c.pt"))
    assert facts["test_accuracy"] == 0.97
    assert torch.equal(predict(loaded, test), predict(net, test))


def test_training_resumes_from_its_state(tmp_path):
    class Crash(Exception):
        pass

    def crash_after_first_epoch(message: str) -> None:
        if message.startswith("epoch 1/"):
            raise Crash

    train, labels = stripes(64, seed=2)
    settings = clf.TrainSettings(epochs=2, batch_size=32, lr=0.1)
    state = str(tmp_path / "state.pt")
    torch.manual_seed(0)
    straight = Classifier(ClassifierConfig(num_classes=2, width=4))
    clf.fit(straight, train, labels, settings, log=lambda _: None)
    torch.manual_seed(0)
    with pytest.raises(Crash):
        clf.fit(Classifier(ClassifierConfig(num_classes=2, width=4)), train, labels, settings, state,
                log=crash_after_first_epoch)
    torch.manual_seed(1)  # a different network: everything must come back from the state file
    resumed = Classifier(ClassifierConfig(num_classes=2, width=4))
    clf.fit(resumed, train, labels, settings, state, log=lambda _: None)
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


def test_augmentation_keeps_shapes_and_content():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8)
    out = clf.augment(images, torch.Generator().manual_seed(0), pad=2)
    assert out.shape == images.shape
    assert not torch.equal(out, images)


def test_bad_files_are_rejected(tmp_path):
    with pytest.raises(checkpoint.CheckpointError, match="train one"):
        clf.load(str(tmp_path / "missing.pt"))
    checkpoint.save(str(tmp_path / "other.pt"), {"ema": {}})
    with pytest.raises(checkpoint.CheckpointError, match="not a classifier"):
        clf.load(str(tmp_path / "other.pt"))


def test_train_and_test_records_what_the_command_saves(cifar_binary):
    train_set, test_set = load_cifar10(str(cifar_binary), "train"), load_cifar10(str(cifar_binary), "test")
    net, facts = clf.train_and_test(train_set, test_set, 4, clf.TrainSettings(epochs=1, batch_size=8))
    assert net.config == ClassifierConfig(width=4) and not net.training
    assert set(facts) == {"test_accuracy", "test_images", "train_images", "class_names", "settings", "parameters",
                          "wall_seconds_last_run"}
    assert (facts["train_images"], facts["test_images"]) == (20, 4) and 0 <= facts["test_accuracy"] <= 1
