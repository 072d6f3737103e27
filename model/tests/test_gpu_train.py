"""The prepared GPU run (scripts/gpu-train.sh), end to end on CPU with tiny data, a tiny model and seconds of budget.

It runs the script's real flags and steps, so that a run on a GPU machine cannot fail on a typo.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from model.train import main
from model.training import checkpoint

ROOT = Path(__file__).resolve().parents[2]
SUMMARY_KEYS = {"images_seen", "images_per_s", "train_wall_s", "command_wall_s", "train_flops_per_image",
                "peak_tflops", "fraction_of_peak", "batch_size", "steps", "parameters", "hardware"}


def tiny_init(tmp_path: Path, data: Path) -> Path:
    """EMA weights of the tiny preset at CIFAR's 32x32, for the script to warm-start from as from the shipped ones."""
    main(["--preset", "tiny", "--image-size", "32", "--attention-resolutions", "16", "--data", str(data),
          "--run-dir", str(tmp_path / "init"), "--total-kimg", "0.008", "--log-every", "1000"])
    return tmp_path / "init" / "ema.pt"


def run_script(tmp_path: Path, data: Path, budget_s: int, **settings: str) -> subprocess.CompletedProcess:
    (tmp_path / "tmp").mkdir()
    env = {**os.environ, "OUT": str(tmp_path / "out"), "TMPDIR": str(tmp_path / "tmp"), "CIFAR_DIR": str(data),
           "PRESET": "tiny", "INIT": str(tiny_init(tmp_path, data)), "BUDGET_S": str(budget_s), "RESERVE_S": "12",
           "PYTHON": sys.executable, "DEVICE": "cpu", "PART_BYTES": "600000", "OMP_NUM_THREADS": "1",
           # after the script's own flags, so these win: the budget, not the total, must end the run
           "EXTRA_ARGS": "--batch-size 8 --log-every 2 --total-kimg 1000", **settings}
    return subprocess.run(["bash", str(ROOT / "scripts" / "gpu-train.sh"), "run"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)


def check_outputs(out: Path) -> None:
    assert {p.name for p in out.iterdir()} >= {"run.log", "ema.pt", "metrics.jsonl", "samples.png", "summary.json"}
    assert (out / "ema.pt").stat().st_size < 16 * 2**20
    assert checkpoint.load(str(out / "ema.pt"))["images_seen"] > 0
    parts = sorted(out.glob("checkpoint.pt.part-*"))
    assert len(parts) >= 2, "the checkpoint, over PART_BYTES, comes back in parts"
    (out.parent / "checkpoint.pt").write_bytes(b"".join(p.read_bytes() for p in parts))
    assert "optimizer" in checkpoint.load(str(out.parent / "checkpoint.pt"))
    rows = [json.loads(line) for line in open(out / "metrics.jsonl")]
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= summary.keys()
    assert 0 < rows[-1]["kimg"] * 1000 <= summary["images_seen"] and summary["train_flops_per_image"] > 0
    assert "--max-minutes: time is up" in (out / "run.log").read_text()


def test_run_stops_by_itself_and_writes_its_outputs_even_after_a_failed_start(tmp_path, cifar_binary):
    """One run for both paths, to keep the test short: COMPILE=unknown fails the first attempt at once, as a
    failing torch.compile would, and the script trains again without compiling, with the same flags."""
    budget_s = 24
    result = run_script(tmp_path, cifar_binary, budget_s, COMPILE="unknown")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "argument --compile: invalid choice: 'unknown'" in result.stdout  # the first attempt's end
    assert "again without torch.compile" in result.stdout
    check_outputs(tmp_path / "out")  # its run.log says the budget ended it (no wall clock here: tests time nothing)
