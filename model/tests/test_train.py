import json
import math
import os
import socket
import subprocess
import sys
import time

import pytest
import torch

from model.training import checkpoint
from model.training.trainer import code_revision
from model.train import main

TINY = ["--preset", "tiny", "--batch-size", "8", "--log-every", "5", "--sample-every-kimg", "1000",
        "--checkpoint-every-kimg", "1000"]


def train(run_dir, data, *extra):
    main(TINY + ["--data", f"folder:{data}", "--run-dir", str(run_dir), *extra])
    return checkpoint.load(os.path.join(run_dir, "checkpoint.pt"))


def test_loss_falls_on_tiny_synthetic_data(tmp_path, image_folder):
    train(tmp_path / "run", image_folder, "--total-kimg", "1.6", "--lr", "2e-3", "--num-classes", "2")
    rows = [json.loads(line) for line in open(tmp_path / "run" / "metrics.jsonl")]
    first, last = rows[0]["loss"], sum(r["loss"] for r in rows[-5:]) / 5
    assert last < 0.6 * first, (first, last)
    assert (tmp_path / "run" / "loss.png").stat().st_size > 0


def test_resume_continues_exactly(tmp_path, image_folder):
    args = ("--num-classes", "2", "--dropout", "0.1")
    straight = train(tmp_path / "a", image_folder, "--total-kimg", "0.16", *args)
    train(tmp_path / "b", image_folder, "--total-kimg", "0.08", *args)
    with open(tmp_path / "b" / "metrics.jsonl", "a") as f:  # a row logged after the checkpoint, then a crash
        f.write(json.dumps({"step": 15, "kimg": 0.12, "loss": 1.0}) + "\n")
    resumed = main(TINY + ["--run-dir", str(tmp_path / "b"), "--resume", "--total-kimg", "0.16"]) or \
        checkpoint.load(os.path.join(tmp_path / "b", "checkpoint.pt"))
    assert resumed["images_seen"] == straight["images_seen"] == 160
    for key in ("net", "ema"):
        for name, value in straight[key].items():
            assert torch.equal(value, resumed[key][name]), f"{key}.{name} differs after resume"
    kimg = [[json.loads(line)["kimg"] for line in open(tmp_path / run / "metrics.jsonl")] for run in ("a", "b")]
    assert kimg[0] == kimg[1], "the resumed run's curve repeats or misses rows"


def test_samples_are_written_as_a_grid(tmp_path, image_folder):
    train(tmp_path / "run", image_folder, "--total-kimg", "0.016", "--sample-every-kimg", "0.008", "--num-classes", "2")
    assert (tmp_path / "run" / "samples" / "latest.png").stat().st_size > 0


def test_warm_start_from_shipped_ema_weights(tmp_path, image_folder):
    state = train(tmp_path / "a", image_folder, "--total-kimg", "0.016", "--num-classes", "2")
    checkpoint.save(str(tmp_path / "ema.pt"), checkpoint.ema_only(state))
    warm = train(tmp_path / "b", image_folder, "--total-kimg", "0.024", "--init", str(tmp_path / "ema.pt"))
    assert warm["unet"] == state["unet"]
    # The count goes on (the EMA ramp-up and the model's record keep the init's 16 images); the
    # learning-rate warm-up starts again where the fresh optimizer does.
    assert (warm["images_seen"], warm["warm_start"]["images_seen"], warm["step"]) == (24, 16, state["step"] + 1)
    assert warm["wall_seconds"] > state["wall_seconds"]
    with pytest.raises(SystemExit, match="--total-kimg 0.008 is the total, and the weights have already seen 16"):
        train(tmp_path / "c", image_folder, "--total-kimg", "0.008", "--init", str(tmp_path / "ema.pt"))


def test_shipped_ema_weights_are_half_precision_and_load_back_as_float32(tmp_path, image_folder):
    state = train(tmp_path / "a", image_folder, "--total-kimg", "0.016", "--num-classes", "2")
    small = checkpoint.ema_only(state)
    assert {v.dtype for v in small["ema"].values() if v.is_floating_point()} == {torch.float16}
    full, _ = checkpoint.ema_network(state)
    half, _ = checkpoint.ema_network(small)
    assert next(half.parameters()).dtype == torch.float32
    size, channels = state["unet"]["image_size"], state["unet"]["in_channels"]
    x, t, labels = torch.randn(2, channels, size, size), torch.tensor([10.0, 900.0]), torch.tensor([0, 2])
    with torch.no_grad():
        assert torch.allclose(full(x, t, labels), half(x, t, labels), atol=1e-2)


def test_max_minutes_stops_on_time_and_saves(tmp_path, image_folder):
    start = time.time()
    state = train(tmp_path / "run", image_folder, "--total-kimg", "1000", "--num-classes", "2", "--max-minutes", "0.05")
    assert time.time() - start < 3 + 5  # the 3 s budget counts from the start, data loading included
    assert 0 < state["images_seen"] < 1_000_000
    assert checkpoint.load(str(tmp_path / "run" / "ema.pt"))["images_seen"] == state["images_seen"]


@pytest.mark.parametrize("extra, message", [
    (["--data", "/nonexistent/cifar"], "CIFAR-10 not found at /nonexistent/cifar"),
    (["--num-heads", "3"], "attention heads"),
    (["--schedule", "quadratic"], "unknown schedule"),
    (["--resume"], "no checkpoint at"),
])
def test_bad_inputs_exit_with_a_clear_message(tmp_path, image_folder, extra, message, capsys):
    args = TINY + ["--data", f"folder:{image_folder}", "--num-classes", "2", "--run-dir", str(tmp_path / "r")]
    with pytest.raises(SystemExit, match=message):
        main(args + extra)


def test_a_mismatched_class_count_says_which_flag_to_pass(tmp_path, image_folder):
    with pytest.raises(SystemExit, match="pass --num-classes 2"):
        main(TINY + ["--data", f"folder:{image_folder}", "--run-dir", str(tmp_path / "r")])


def test_corrupt_checkpoint_is_refused(tmp_path):
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(checkpoint.CheckpointError, match="not a readable checkpoint"):
        checkpoint.load(str(path))
    torch.save({"weights": 1}, path)
    with pytest.raises(checkpoint.CheckpointError, match="not an edge-diffusion checkpoint"):
        checkpoint.load(str(path))


def test_two_process_ddp_run_on_cpu(tmp_path, image_folder):
    """What torchrun does: one process per rank, rendezvous over TCP (gloo on CPU, NCCL on GPUs)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Logs go to files, not pipes: a pipe nobody reads while we wait on the other rank fills at 64 KiB and
    # stops its writer mid-run, and its peer then waits for it in a collective.
    logs = [tmp_path / f"rank{r}.log" for r in range(2)]
    ranks = []
    try:
        for r, log in enumerate(logs):
            with open(log, "w") as out:
                ranks.append(subprocess.Popen(
                    [sys.executable, "-m", "model.train", *TINY, "--data", f"folder:{image_folder}",
                     "--num-classes", "2", "--run-dir", str(tmp_path / "run"), "--total-kimg", "0.08"],
                    env={**os.environ, "RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": "2",
                         "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1",
                         # gloo otherwise binds to what the hostname resolves to, which on a fresh container
                         # may be no usable address (an error) or one that drops connections (a hang).
                         "GLOO_SOCKET_IFNAME": "lo0" if sys.platform == "darwin" else "lo"},
                    cwd=os.path.join(os.path.dirname(__file__), "..", ".."), stdout=out, stderr=subprocess.STDOUT))
        # One deadline for both, and stop at the first rank to fail: its peer would wait for it until gloo's
        # own 30-minute timeout.
        deadline, codes = time.monotonic() + 120, [None, None]
        while time.monotonic() < deadline and None in codes and not any(codes):
            time.sleep(0.1)
            codes = [p.poll() for p in ranks]
    finally:  # a rank left waiting for its peer would spin on, a core's worth, long after the test
        for process in ranks:
            if process.poll() is None:
                process.kill()
                process.wait()
    report = [f"--- rank {r}: {'still running, killed' if code is None else f'exit code {code}'}\n"
              + log.read_text(errors="replace")[-20000:] for r, (code, log) in enumerate(zip(codes, logs))]
    assert codes == [0, 0], "\n".join(report)
    state = checkpoint.load(str(tmp_path / "run" / "checkpoint.pt"))
    assert state["images_seen"] == 80 and state["step"] == 10  # global batch 8: 4 per rank
    assert "x 2 processes" in state["hardware"]


def test_a_second_longer_ema_is_kept_beside_the_first(tmp_path, image_folder):
    state = train(tmp_path / "run", image_folder, "--total-kimg", "0.032", "--num-classes", "2",
                  "--ema-rampup", "0.05", "--ema-long-rampup", "0.5")
    files = [checkpoint.load(str(tmp_path / "run" / name)) for name in ("ema.pt", "ema-long.pt")]
    assert [f["ema_rampup"] for f in files] == [0.05, 0.5]  # each says which EMA it holds
    (short, _), (long, _) = [checkpoint.ema_network(f) for f in files]
    distance = {name: sum(float((p - state["net"][k]).abs().sum()) for k, p in ema.state_dict().items())
                for name, ema in (("short", short), ("long", long))}
    assert 0 < distance["short"] < distance["long"]  # the longer average trails the weights further
    plain = train(tmp_path / "plain", image_folder, "--total-kimg", "0.016", "--num-classes", "2")
    assert "ema_long" not in plain and not (tmp_path / "plain" / "ema-long.pt").exists()


def test_bf16_autocast_trains_on_a_cpu(tmp_path, image_folder):
    state = train(tmp_path / "run", image_folder, "--total-kimg", "0.04", "--num-classes", "2", "--precision", "bf16")
    rows = [json.loads(line) for line in open(tmp_path / "run" / "metrics.jsonl")]
    assert state["images_seen"] == 40 and rows and all(math.isfinite(r["loss"]) for r in rows)
    assert {p.dtype for p in state["net"].values() if p.is_floating_point()} == {torch.float32}  # weights stay fp32


def test_the_code_revision_says_when_the_tree_differs_from_its_commit(tmp_path):
    assert code_revision(str(tmp_path)) == "unknown"  # not a git checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "a.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "a.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "a"], check=True)
    head = subprocess.run([*git, "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert code_revision(str(tmp_path)) == head
    (tmp_path / "a.py").write_text("x = 2\n")  # what a stale .git beside newer files looks like
    assert code_revision(str(tmp_path)) == f"{head}-dirty"
