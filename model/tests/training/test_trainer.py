import os
import signal

import pytest

from model.training import checkpoint
from model.training.trainer import TrainingRun, train


def test_a_run_names_a_preset_and_only_fields_its_configurations_have():
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        TrainingRun("run", preset="huge")
    with pytest.raises(ValueError, match=r"\['learning_rate'\]"):
        TrainingRun("run", overrides={"lr": 1e-3, "learning_rate": 1e-3})
    with pytest.raises(ValueError, match="device must be"):
        TrainingRun("run", device="gpu")


def test_train_runs_from_a_config_and_gives_the_signals_back(tmp_path, image_folder):
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    train(TrainingRun(str(tmp_path / "run"), preset="tiny", data=f"folder:{image_folder}", overrides={
        "num_classes": 2, "total_kimg": 0.016, "sample_every_kimg": 1000.0, "checkpoint_every_kimg": 1000.0}))
    state = checkpoint.load(os.path.join(tmp_path, "run", "checkpoint.pt"))
    assert state["images_seen"] == 16 and state["unet"]["num_classes"] == 2 and state["train"]["total_kimg"] == 0.016
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
