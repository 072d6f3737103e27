#!/usr/bin/env bash
# One prepared, time-boxed training run on a GPU machine: send it the working tree with the git-ignored
# .gpu-data/ (below), run one command there, and collect the files it writes under $OUT, where any file
# over PART_BYTES (15 MiB) is split into parts.
#
# Once, where CIFAR-10 is at hand: copy its JPEG mirror (19 MB: cifar10-jpeg.tar.gz,
# train-labels-official-order.u8 and the mirror's build-binary.py) into the git-ignored .gpu-data/:
#     bash scripts/gpu-train.sh prepare MIRROR_DIR
# Then, on the GPU machine, with .gpu-data/ sent along: bash scripts/gpu-train.sh run
#
# `run` rebuilds CIFAR-10's official binary layout from the mirror under $TMPDIR (about 10 s), prints
# nvidia-smi, then fine-tunes the page's model (preset "cpu", warm-started from the shipped
# model/weights/ema.pt) on model.train's CUDA path (bf16 autocast, channels_last, torch.compile) at
# batch 512. The trainer stops itself (--max-minutes) RESERVE_S seconds before BUDGET_S seconds after
# this script started, saving a checkpoint; what follows fits in RESERVE_S, so the command ends within
# BUDGET_S. If training fails (say torch.compile does), it runs again without compiling, for the time
# left.
# It writes to $OUT (default ./gpu-out):
#     run.log         everything printed, as it is printed (written even if the command is killed),
#                     with the GPU's load once a minute during training
#     ema.pt          the EMA weights alone, about 3.5 MB (float16): what model.export and --init take
#     metrics.jsonl   loss, learning rate and images/s per log interval
#     samples.png     a grid sampled from ema.pt with the page's defaults (10 per class)
#     summary.json    images seen, images/s, FLOPs per training image, and the fraction of the H200's
#                     dense bf16 peak (989 TFLOP/s, datasheet) reached: see model/training/throughput.py
#     checkpoint.pt.part-aa, checkpoint.pt.part-ab
#                     the full checkpoint with the optimizer's state (28 MB) in 15 MiB parts:
#                     `cat checkpoint.pt.part-* > checkpoint.pt`, then
#                     `python -m model.train --run-dir DIR --resume --data ...` continues it exactly.
# Any file over PART_BYTES comes out in such parts.
#
# Settings, as environment variables (the defaults are the H200 run's):
#     OUT=gpu-out  BUDGET_S=570  RESERVE_S=60  PRESET=cpu  INIT=model/weights/ema.pt (empty: from scratch)
#     DEVICE=cuda  COMPILE=auto  CHECKPOINT=1 (0: leave the full checkpoint out)  PYTHON=python3  PART_BYTES=15 MiB
#     EXTRA_ARGS   more model.train flags, after the defaults below, so they win
#     CIFAR_DIR    an existing CIFAR-10 copy to train on instead of building one from .gpu-data/
#
# A larger "quality" model for WebGPU visitors does not fit in the same budget beside this run; it is the
# same script run as a command of its own, e.g. the page's architecture at twice the width (7M
# parameters), from scratch:
#     PRESET=cpu INIT= CHECKPOINT=0 EXTRA_ARGS="--model-channels 64" bash scripts/gpu-train.sh run
# Its ema.pt (28 MB) comes out in two parts, to be joined with cat like the checkpoint above.
# The few-step student (model/README.md) is the same run with INIT's weights as its frozen teacher, at the
# student's CPU learning rate scaled by the square root of the batch; its samples.png is drawn its own way:
#     EXTRA_ARGS="--student-steps 4 --lr 3e-4" bash scripts/gpu-train.sh run
set -euo pipefail
cd "$(dirname "$0")/.."  # the repository root: `python -m model.train` and the relative paths need it

OUT=${OUT:-gpu-out}
BUDGET_S=${BUDGET_S:-570}
RESERVE_S=${RESERVE_S:-60}  # after training: the last save, the sample grid, the summary (about 20 s on the H200)
PRESET=${PRESET:-cpu}
INIT=${INIT-model/weights/ema.pt}
DEVICE=${DEVICE:-cuda}  # not auto: a GPU machine's minutes spent training on its CPU are worse than an error
COMPILE=${COMPILE:-auto}
CHECKPOINT=${CHECKPOINT:-1}
EXTRA_ARGS=${EXTRA_ARGS:-}
PYTHON=${PYTHON:-python3}
DATA=.gpu-data
PART_BYTES=${PART_BYTES:-$((15 * 1024 * 1024))}  # the tests make it small, to split a tiny checkpoint
export PYTHONUNBUFFERED=1

# Batch 512 keeps the H200 busier than the preset's 64 and is EDM's CIFAR-10 batch (Karras et al. 2022),
# with its learning rate 1e-3: for Adam, batch x8 asks for about sqrt(8) x the preset's 5e-4, and the lower
# of the two suits weights that are already trained. The warm-up restarts with the fresh Adam moments, and
# lasts about 1000 steps so they settle before the full rate moves the shipped weights. EMA half-life 500
# kimg: the preset's 50 kimg would be 100 steps at this rate (EDM uses 500). Checkpoints every 2 M images
# cost little; the trainer's own sample grids are off, since one grid from the final ema.pt is enough.
# The time budget, not --total-kimg, ends the run.
TRAIN_ARGS=(--batch-size 512 --lr 1e-3 --warmup-kimg 500 --ema-halflife-kimg 500 --total-kimg 1e6
            --checkpoint-every-kimg 2000 --sample-every-kimg 1e9 --log-every 50)

prepare() {
  local mirror=${1:?usage: bash scripts/gpu-train.sh prepare MIRROR_DIR (a CIFAR-10 JPEG mirror: see the header)}
  mkdir -p "$DATA"
  cp "$mirror"/{cifar10-jpeg.tar.gz,train-labels-official-order.u8,build-binary.py} "$DATA"/
  ls -l "$DATA"
  echo "ready: send $DATA/ with the working tree to the GPU machine"
}

build_cifar() {  # build_cifar DIR: CIFAR-10's binary layout in DIR, unless a warm machine kept it
  if [[ -f $1/cifar-10-batches-bin/test_batch.bin ]]; then
    echo "== CIFAR-10 already built in $1"
    return
  fi
  if [[ ! -f $DATA/build-binary.py ]]; then
    echo "error: no $DATA/: run 'bash scripts/gpu-train.sh prepare MIRROR_DIR' first, and send $DATA/ along" >&2
    return 1
  fi
  echo "== building CIFAR-10 in $1 from the JPEG mirror"
  "$PYTHON" "$DATA/build-binary.py" "$1"
}

train() {  # train SECONDS [model.train flags]: the trainer stops itself then; timeout is only the backstop
  local seconds=$(($1 > 1 ? $1 : 1))  # timeout takes 0 as "no limit"
  shift
  echo "== training for at most ${seconds}s: $*"
  # SIGTERM makes the trainer save after the current step; KILL follows if even that hangs.
  # EXTRA_ARGS is split into words on purpose, and comes last so that its flags win.
  # shellcheck disable=SC2086
  timeout -k 15 $((seconds + 30)) "$PYTHON" -m model.train --preset "$PRESET" --data "$cifar" \
    --device "$DEVICE" --run-dir "$run_dir" --max-minutes "$(awk -v s="$seconds" 'BEGIN { print s / 60 }')" \
    "${TRAIN_ARGS[@]}" "$@" $EXTRA_ARGS
}

ship() {  # ship FILE: into $OUT whole, or in parts of PART_BYTES where it is larger
  if (($(stat -c %s "$1") <= PART_BYTES)); then
    cp "$1" "$OUT/"
  else
    split -b "$PART_BYTES" "$1" "$OUT/$(basename "$1").part-"
  fi
}

run() {
  echo "== $(date -u '+%F %T') UTC: edge-diffusion GPU run, preset $PRESET, init '${INIT}', budget ${BUDGET_S}s"
  nvidia-smi || echo "(no nvidia-smi here)"  # the trainer names the device and the torch version
  cifar=${CIFAR_DIR:-${TMPDIR:-/tmp}/cifar10}
  [[ -n ${CIFAR_DIR:-} ]] || build_cifar "$cifar"
  run_dir=$(mktemp -d)
  local init=()
  [[ -z $INIT ]] || init=(--init "$INIT")
  local monitor=""
  if command -v nvidia-smi >/dev/null; then  # the GPU's load each minute: busy, or waiting on Python's steps?
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used,power.draw,clocks.sm --format=csv -l 60 &
    monitor=$!
  fi
  if ! train $((BUDGET_S - RESERVE_S - SECONDS)) --compile "$COMPILE" "${init[@]}"; then
    local left=$((BUDGET_S - RESERVE_S - SECONDS))
    if ((left > 0)); then
      echo "== training failed: again without torch.compile, for the ${left}s left"
      if [[ -f $run_dir/checkpoint.pt ]]; then
        train "$left" --compile off --resume
      else
        rm -rf "$run_dir" && mkdir "$run_dir"
        train "$left" --compile off "${init[@]}"
      fi
    fi
  fi
  [[ -z $monitor ]] || kill "$monitor" 2>/dev/null || true  # it may have stopped already
  [[ -f $run_dir/ema.pt ]] || { echo "error: training wrote no ema.pt" >&2; return 1; }

  ship "$run_dir/ema.pt"  # the most valuable file first
  cp "$run_dir/metrics.jsonl" "$OUT/"
  if [[ $CHECKPOINT == 1 ]]; then ship "$run_dir/checkpoint.pt"; fi
  echo "== samples and summary"
  "$PYTHON" -m model.sample "$run_dir/ema.pt" --out "$OUT/samples.png"
  "$PYTHON" -m model.run_summary "$run_dir" --out "$OUT/summary.json" --command-seconds "$SECONDS"
  ls -l "$OUT"
  echo "== done in ${SECONDS}s"
}

case ${1:-} in
  prepare) shift; prepare "$@" ;;
  run) mkdir -p "$OUT"; run 2>&1 | tee "$OUT/run.log" ;;
  *) echo "usage: bash scripts/gpu-train.sh prepare [MIRROR_DIR] | run   (the header says more)" >&2; exit 2 ;;
esac
