"""The training loop behind `model.train`: one code path for CPU (fp32) and GPU (bf16 autocast,
channels_last, torch.compile where it exists), and several GPUs through torchrun (DDP).

A run directory collects `checkpoint.pt` (atomic; a resumed run continues exactly where it stopped),
`ema.pt` (the EMA weights alone: what export needs and `init` warm-starts from; `ema-long.pt` beside
it when a second, longer EMA is kept), `metrics.jsonl`,
`loss.png` and sample grids under `samples/`. SIGINT and SIGTERM save a checkpoint before stopping,
and so does a run's `max_minutes` when its wall-clock budget is spent.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import os
import platform
import signal
import subprocess
import sys
import time
from typing import Any, Optional

import torch
import torch.distributed as dist

from ..diffusion.defaults import DEFAULTS
from ..diffusion.generate import generate
from ..diffusion.schedule import Diffusion
from ..networks.unet import UNet, count_parameters
from . import checkpoint
from .config import CONFIGS, PRESETS, TrainConfig, override
from .data import DatasetError, ImageDataset, load_dataset
from .distill import DistillConfig, Distillation, distilled_from, is_student
from .images import grid_labels, save_curve, save_grid
from .threads import use_cpu_threads


@dataclasses.dataclass
class TrainingRun:
    """What one training run starts from and where it goes: model.train's flags."""
    run_dir: str  # where checkpoints, metrics and samples go
    preset: str = "cpu"
    data: Optional[str] = None  # a CIFAR-10 directory, cifar10:DIR or folder:DIR; a resumed run remembers its own
    resume: bool = False  # continue the checkpoint in run_dir exactly
    init: Optional[str] = None  # start from the EMA weights of this checkpoint (e.g. model/weights/ema.pt)
    teacher: Optional[str] = None  # the teacher of a student given to init, to go on distilling it
    device: str = "auto"  # auto, cpu or cuda
    compile: str = "auto"  # torch.compile: auto (on GPUs with PyTorch 2.x), on or off
    precision: str = "auto"  # bf16 autocast: auto (on GPUs), bf16 (also on a CPU with AVX512-BF16) or fp32
    max_minutes: Optional[float] = None  # wall-clock budget, startup and compilation included
    overrides: dict[str, Any] = dataclasses.field(default_factory=dict)  # fields of the preset's configs to change

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}: use one of {sorted(PRESETS)}")
        if self.device not in ("auto", "cpu", "cuda") or self.compile not in ("auto", "on", "off"):
            raise ValueError(f"device must be auto, cpu or cuda and compile auto, on or off; got {self.device!r}, "
                             f"{self.compile!r}")
        if self.precision not in ("auto", "bf16", "fp32"):
            raise ValueError(f"precision must be auto, bf16 or fp32; got {self.precision!r}")
        if self.teacher and not self.init:
            raise ValueError("--teacher goes with --init: the student to go on distilling")
        unknown = set(self.overrides) - {f.name for cls in CONFIGS for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"no configuration has the fields {sorted(unknown)}")


@dataclasses.dataclass
class Distributed:
    rank: int = 0
    world: int = 1
    device: torch.device = torch.device("cpu")

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed(device_flag: str) -> Distributed:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if device_flag == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: this PyTorch sees no CUDA device (use --device auto or cpu)")
    use_cuda = torch.cuda.is_available() and device_flag in ("auto", "cuda")
    if use_cuda:
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
        use_cpu_threads(world)
    if world > 1:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return Distributed(rank, world, device)


def code_revision(directory: str = os.path.dirname(__file__)) -> str:
    """The commit the code came from, "-dirty" if tracked files differ from it: a copied working tree (a
    device machine's) can carry an older .git, and a bare hash would then name code that did not run."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"], capture_output=True,
                              text=True, cwd=directory, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def hardware(env: Distributed) -> str:
    if env.device.type == "cuda":
        return f"{env.world} x {torch.cuda.get_device_name(env.device)}"
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads x {env.world} processes"


def ema_beta(images_seen: int, batch: int, halflife_kimg: float, rampup: float) -> float:
    """Per-step EMA decay from a half-life in images, ramped up early on (Karras et al. 2022)."""
    halflife = halflife_kimg * 1000
    if rampup > 0:
        halflife = min(halflife, images_seen * rampup)
    return 0.5 ** (batch / max(halflife, 1e-8))


def learning_rate(images_seen: int, config: TrainConfig) -> float:
    warmup = config.warmup_kimg * 1000
    return config.lr * min(1.0, (images_seen + 1) / warmup) if warmup > 0 else config.lr


def draw_batch(dataset: ImageDataset, batch: int, config: TrainConfig, null_class: int,
               generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A random batch in [-1, 1], flipped at random, with labels dropped to the null class at random."""
    index = torch.randint(len(dataset), (batch,), generator=generator)
    x = dataset.images[index].float() / 127.5 - 1
    if config.hflip:
        flip = torch.rand(batch, generator=generator) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
    # An unconditional model has one embedding, the null class: every image is trained with it.
    labels = dataset.labels[index].clone() if null_class > 0 else torch.zeros(batch, dtype=torch.int64)
    drop = torch.rand(batch, generator=generator) < config.label_dropout
    labels[drop] = null_class
    return x, labels.to(torch.int32)


class Progress:
    """One status line: step, images seen, loss, throughput and time left."""

    def __init__(self, total_images: int):
        self.total = total_images
        self.tty = sys.stderr.isatty()

    def show(self, step: int, images_seen: int, loss: float, images_per_s: float) -> None:
        left = (self.total - images_seen) / max(images_per_s, 1e-9)
        eta = f"{int(left // 3600)}h{int(left % 3600 // 60):02d}m"
        bar_width = 24
        filled = int(bar_width * min(1.0, images_seen / self.total))
        line = (f"[{'#' * filled}{'.' * (bar_width - filled)}] step {step} | {images_seen / 1000:.1f}/"
                f"{self.total / 1000:.0f} kimg | loss {loss:.4f} | {images_per_s:.1f} img/s | ETA {eta}")
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)


class Trainer:
    def __init__(self, run: TrainingRun, env: Distributed):
        # The budget counts from here, so that data loading and compilation are inside it.
        self.deadline: Optional[float] = time.time() + 60 * run.max_minutes if run.max_minutes else None
        self.env = env
        self.run_dir = run.run_dir
        self.checkpoint_path = os.path.join(self.run_dir, "checkpoint.pt")
        self.metrics_path = os.path.join(self.run_dir, "metrics.jsonl")
        state = self._initial_state(run)
        self.unet_config, self.diffusion_config = checkpoint.configs(state)
        self.train_config: TrainConfig = override(TrainConfig(**state["train"]), run.overrides)
        self.distill_config: DistillConfig = override(DistillConfig(**state.get("distill", {})), run.overrides)
        self.preset: str = state.get("preset", run.preset)
        self.dataset_spec: str = run.data or state.get("dataset", "")
        if not self.dataset_spec:
            raise DatasetError("no dataset: pass --data <CIFAR-10 directory | cifar10:DIR | folder:DIR>")
        self.dataset = load_dataset(self.dataset_spec, self.unet_config.image_size, self.unet_config.in_channels)
        if self.unet_config.num_classes not in (0, len(self.dataset.class_names)):
            raise DatasetError(f"the model has {self.unet_config.num_classes} classes but {self.dataset_spec} has "
                               f"{len(self.dataset.class_names)}: pass --num-classes {len(self.dataset.class_names)}")
        self.diffusion = Diffusion(self.diffusion_config)
        torch.manual_seed(self.train_config.seed)  # the same initial weights on every rank and every run
        self.net = UNet(self.unet_config).to(env.device)
        if "net" in state:
            self.net.load_state_dict(state["net"])
        self.ema = copy.deepcopy(self.net).eval().requires_grad_(False)
        if "ema" in state:
            self.ema.load_state_dict(state["ema"])
            if "net" not in state:  # warm start from shipped EMA weights
                self.net.load_state_dict(state["ema"])
        self.ema_long: Optional[UNet] = None
        if self.train_config.ema_long_rampup > 0:  # it starts as a copy of the EMA when first asked for
            self.ema_long = copy.deepcopy(self.ema)
            if "ema_long" in state:
                self.ema_long.load_state_dict(state["ema_long"])
        self.emas = [(self.ema, self.train_config.ema_rampup)]
        if self.ema_long is not None:
            self.emas.append((self.ema_long, self.train_config.ema_long_rampup))
        self.distillation: Optional[Distillation] = None
        if self.distill_config.student_steps > 0:
            self.distillation = self._distillation(state)
        if env.device.type == "cuda":
            # Module.to takes memory_format, as documented, but torch's overloads of it leave it out.
            self.net = self.net.to(memory_format=torch.channels_last)  # pyright: ignore[reportCallIssue]
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=self.train_config.lr)
        resuming = "optimizer" in state  # a full checkpoint, not shipped EMA weights to warm-start from
        if resuming:
            self.optimizer.load_state_dict(state["optimizer"])
        self.step: int = state.get("step", 0)
        self.images_seen: int = state.get("images_seen", 0)
        self.wall_seconds: float = state.get("wall_seconds", 0.0)
        # Where this run took over from the weights it warm-started from (the learning-rate warm-up begins there).
        self.warm_start: dict[str, float] = state.get("warm_start", {"images_seen": 0, "wall_seconds": 0.0})
        self.distilled_from: Optional[int] = distilled_from(state) if self.distillation is not None else None
        self.generator = torch.Generator().manual_seed(self.train_config.seed * 1000 + env.rank)
        torch.manual_seed(self.train_config.seed * 1000 + env.rank)  # dropout
        self._restore_rng(state)
        self.model = self._wrap(run.compile)
        self.bf16 = run.precision == "bf16" or (run.precision == "auto" and env.device.type == "cuda")
        self.stop_requested = False

    def _distillation(self, state: dict[str, Any]) -> Distillation:
        """The student's objective. Its teacher is the weights it starts from (--init), kept in its checkpoint."""
        teacher_weights = state.get("teacher") or (state["ema"] if "ema" in state and "net" not in state else None)
        if teacher_weights is None:
            raise ValueError("a student distils the weights it starts from: pass --init with the teacher's checkpoint")
        teacher = UNet(self.unet_config).to(self.env.device)
        teacher.load_state_dict(teacher_weights)
        return Distillation(teacher, self.diffusion, self.distill_config, self.unet_config.num_classes)

    def _initial_state(self, run: TrainingRun) -> dict[str, Any]:
        """The state to start from: a checkpoint to resume, EMA weights to warm-start from, or a preset."""
        if run.resume:
            if not os.path.isfile(self.checkpoint_path):
                raise checkpoint.CheckpointError(f"--resume: no checkpoint at {self.checkpoint_path}")
            return checkpoint.load(self.checkpoint_path)
        if os.path.isfile(self.checkpoint_path):
            raise checkpoint.CheckpointError(
                f"{self.checkpoint_path} exists: pass --resume to continue it, or choose another --run-dir")
        preset = PRESETS[run.preset]
        if run.init:
            return self._warm_start(run, preset.train)
        unet = override(preset.unet, run.overrides)
        diffusion = override(preset.diffusion, run.overrides)
        return {"unet": dataclasses.asdict(unet), "diffusion": dataclasses.asdict(diffusion),
                "train": dataclasses.asdict(preset.train), "preset": run.preset}

    @staticmethod
    def _warm_start(run: TrainingRun, train_config: TrainConfig) -> dict[str, Any]:
        """The state that warm-starts from `run.init`'s EMA weights: a model, or a student with its teacher."""
        assert run.init is not None
        init = checkpoint.load(run.init)
        init_is_student = is_student(init)
        if init_is_student and run.overrides.get("student_steps") and not run.teacher:
            # A student's weights hold no teacher: taken for one, a new student would learn to copy it.
            raise ValueError(f"--init {run.init} is a distilled student's weights, which hold no teacher: --init "
                             "the teacher's (e.g. model/weights/ema.pt), --resume the student's own run, or go on "
                             "with this student by passing its teacher's weights to --teacher")
        if run.teacher and not init_is_student:
            raise ValueError(f"--teacher goes with a distilled student's --init, and {run.init} is not one")
        unet, diffusion = checkpoint.configs(init)
        # The count goes on from the init's, so the EMA ramp-up (and the model's record) keeps the
        # images its weights already average; only the learning-rate warm-up restarts, for the fresh Adam.
        seen, wall = init.get("images_seen", 0), init.get("wall_seconds", 0.0)
        state = {"unet": dataclasses.asdict(unet), "diffusion": dataclasses.asdict(diffusion),
                 "train": dataclasses.asdict(train_config), "ema": init["ema"],
                 "dataset": init.get("dataset", ""), "preset": init.get("preset", run.preset),
                 "step": init.get("step", 0), "images_seen": seen, "wall_seconds": wall,
                 "warm_start": {"images_seen": seen, "wall_seconds": wall}}
        if run.teacher:  # the student's run is gone (a committed student): it goes on as it was trained
            teacher = checkpoint.load(run.teacher)
            if checkpoint.configs(teacher) != (unet, diffusion):
                raise ValueError(f"--teacher {run.teacher} is not the network {run.init} was distilled from: "
                                 "their configurations differ")
            state.update(train=init["train"], distill=init["distill"], teacher=teacher["ema"],
                         distilled_from_images=distilled_from(init))
        return state

    def _wrap(self, compile_flag: str) -> torch.nn.Module:
        model: torch.nn.Module = self.net
        if self.env.world > 1:
            ids = [self.env.device.index] if self.env.device.type == "cuda" else None
            model = torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)
        wants_compile = compile_flag == "on" or (compile_flag == "auto" and self.env.device.type == "cuda")
        compile_model = getattr(torch, "compile", None)  # PyTorch 2.0 and later; 1.13 runs eagerly
        if wants_compile and compile_model is not None:
            model = compile_model(model)
        return model

    def _rng_states(self) -> list[dict[str, Any]]:
        """Every rank's random state (data, noise, dropout), so that a resumed run continues exactly."""
        mine = {"generator": self.generator.get_state(), "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state(self.env.device) if self.env.device.type == "cuda" else None}
        if self.env.world == 1:
            return [mine]
        everyone: list[Any] = [None] * self.env.world
        dist.all_gather_object(everyone, mine)
        return everyone

    def _restore_rng(self, state: dict[str, Any]) -> None:
        # Checkpoints before per-rank states held rank 0's generator and CPU state at the top level.
        states = state.get("rng") or ([{"generator": state["generator"], "torch_rng": state["torch_rng"]}]
                                      if "generator" in state else [])
        if self.env.rank >= len(states):
            return  # a fresh run, or more ranks than the checkpoint had: keep the per-rank seeds
        mine = states[self.env.rank]
        self.generator.set_state(mine["generator"])
        torch.set_rng_state(mine["torch_rng"])
        if mine.get("cuda_rng") is not None and self.env.device.type == "cuda":
            torch.cuda.set_rng_state(mine["cuda_rng"], self.env.device)

    def state(self, rng: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "unet": dataclasses.asdict(self.unet_config), "diffusion": dataclasses.asdict(self.diffusion_config),
            "train": dataclasses.asdict(self.train_config), "distill": dataclasses.asdict(self.distill_config),
            "class_names": self.dataset.class_names,
            "dataset": self.dataset_spec, "dataset_name": self.dataset.name, "preset": self.preset,
            "net": self.net.state_dict(), "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(), "step": self.step, "images_seen": self.images_seen,
            "wall_seconds": self.wall_seconds, "warm_start": self.warm_start, "rng": rng,
            "hardware": hardware(self.env), "code_revision": code_revision(),
            "parameters": count_parameters(self.net),
            **({"ema_long": self.ema_long.state_dict()} if self.ema_long is not None else {}),
            **({"teacher": self.distillation.teacher.state_dict(), "distilled_from_images": self.distilled_from}
               if self.distillation is not None else {}),
        }

    def train_step(self, batch: int) -> float:
        config = self.train_config
        x, labels = draw_batch(self.dataset, batch, config, self.unet_config.num_classes, self.generator)
        x, labels = x.to(self.env.device), labels.to(self.env.device)
        if self.env.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(self.images_seen - int(self.warm_start["images_seen"]), config)
        with torch.autocast(self.env.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            objective = self.distillation.loss if self.distillation is not None else self.diffusion.training_loss
            loss = objective(self.model, x, labels, self.generator)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip > 0:
            # PyTorch 1.13's torch.nn.utils imports it without re-exporting it for type checkers (2.x does).
            torch.nn.utils.clip_grad_norm_(  # pyright: ignore[reportPrivateImportUsage]
                self.net.parameters(), config.grad_clip)
        self.optimizer.step()
        self.images_seen += batch * self.env.world
        with torch.no_grad():
            for ema, rampup in self.emas:
                beta = ema_beta(self.images_seen, batch * self.env.world, config.ema_halflife_kimg, rampup)
                for p_ema, p in zip(ema.parameters(), self.net.parameters()):
                    p_ema.lerp_(p.detach().float(), 1 - beta)
        self.step += 1
        return float(loss.detach())

    def save_samples(self) -> None:
        conditional = self.unet_config.num_classes > 0
        per_class = 10 if conditional else 64
        labels = grid_labels(self.unet_config.num_classes, per_class)
        settings = DEFAULTS.generate
        if self.distillation is not None:  # the student's own way: DDIM at its timesteps, guidance built in
            images = generate(self.ema, self.diffusion, labels, sampler="ddim", guidance=1.0, seed=0,
                              timesteps=self.distillation.timesteps)
        else:
            images = generate(self.ema, self.diffusion, labels, steps=settings.steps, sampler=settings.sampler,
                              guidance=settings.guidance if conditional else 1.0, seed=0,
                              guidance_interval=settings.guidance_interval)
        directory = os.path.join(self.run_dir, "samples")
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"kimg-{self.images_seen // 1000:06d}.png")
        save_grid(images, path, columns=per_class)
        save_grid(images, os.path.join(directory, "latest.png"), columns=per_class)

    def save_plot(self) -> None:
        rows = [json.loads(line) for line in open(self.metrics_path)]
        save_curve([r["kimg"] for r in rows], [r["loss"] for r in rows], os.path.join(self.run_dir, "loss.png"),
                   "thousands of images seen", "training loss")

    def run(self) -> None:
        config = self.train_config
        if config.batch_size % self.env.world != 0:
            raise ValueError(f"batch size {config.batch_size} is not divisible by {self.env.world} processes")
        batch = config.batch_size // self.env.world
        total = int(config.total_kimg * 1000)
        if self.images_seen >= total and self.images_seen == self.warm_start["images_seen"] > 0:  # warm start
            raise ValueError(f"--total-kimg {config.total_kimg:g} is the total, and the weights have already seen "
                             f"{self.images_seen} images: raise it")
        progress = Progress(total)
        if self.env.main:
            os.makedirs(self.run_dir, exist_ok=True)
            self._forget_rows_after_checkpoint()
            where = f"{count_parameters(self.net):,} parameters on {hardware(self.env)}, torch {torch.__version__}"
            print(f"{where}; {len(self.dataset)} images; continuing at {self.images_seen} images" if self.step else
                  f"{where}; {len(self.dataset)} images", file=sys.stderr)
        next_checkpoint = self._next_multiple(config.checkpoint_every_kimg)
        next_sample = self._next_multiple(config.sample_every_kimg)
        losses: list[float] = []
        interval_start, interval_images = time.time(), self.images_seen
        self.net.train()
        while self.images_seen < total and not self._stop_agreed():
            step_start = time.time()
            losses.append(self.train_step(batch))
            self.wall_seconds += time.time() - step_start
            if self.step % config.log_every == 0 and self.env.main:
                now = time.time()
                speed = (self.images_seen - interval_images) / max(now - interval_start, 1e-9)
                self._log({"step": self.step, "kimg": self.images_seen / 1000, "loss": sum(losses) / len(losses),
                           "lr": self.optimizer.param_groups[0]["lr"], "images_per_s": speed,
                           "wall_s": self.wall_seconds})
                progress.show(self.step, self.images_seen, sum(losses) / len(losses), speed)
                losses, interval_start, interval_images = [], now, self.images_seen
            if self.images_seen >= next_checkpoint:
                self.checkpoint()
                next_checkpoint = self._next_multiple(config.checkpoint_every_kimg)
            if self.images_seen >= next_sample and self.env.main:
                self.save_samples()
                next_sample = self._next_multiple(config.sample_every_kimg)
            if self.deadline is not None and time.time() >= self.deadline and not self.stop_requested:
                self.stop_requested = True  # stop as on Ctrl-C: every rank agrees, then a checkpoint
                if self.env.main:
                    print(f"\n--max-minutes: time is up after {self.step} steps", file=sys.stderr)
        self.checkpoint()
        if self.env.main:
            print(f"\nstopped at {self.images_seen} images; checkpoint in {self.checkpoint_path}", file=sys.stderr)

    def _stop_agreed(self) -> bool:
        """Stop when any rank was asked to: all ranks must leave the loop at the same step."""
        if self.env.world == 1:
            return self.stop_requested
        flag = torch.tensor([float(self.stop_requested)], device=self.env.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())

    def _next_multiple(self, every_kimg: float) -> int:
        every = max(1, int(every_kimg * 1000))
        return (self.images_seen // every + 1) * every

    def _forget_rows_after_checkpoint(self) -> None:
        """Steps after the last checkpoint were lost with the process: their rows go too, so the curve never repeats."""
        if not os.path.isfile(self.metrics_path):
            return
        with open(self.metrics_path) as f:
            lines = f.readlines()
        kept = [line for line in lines if round(json.loads(line)["kimg"] * 1000) <= self.images_seen]
        if len(kept) < len(lines):
            with open(self.metrics_path, "w") as f:
                f.writelines(kept)

    def _log(self, row: dict[str, Any]) -> None:
        with open(self.metrics_path, "a") as f:
            f.write(json.dumps(row) + "\n")

    def checkpoint(self) -> None:
        rng = self._rng_states()  # a collective: every rank takes part
        if self.env.main:
            state = self.state(rng)
            checkpoint.save(self.checkpoint_path, state)
            # Small, to ship; each says which EMA it holds (model.eval records it).
            short = checkpoint.ema_only({**state, "ema_rampup": self.train_config.ema_rampup})
            checkpoint.save(os.path.join(self.run_dir, "ema.pt"), short)
            if "ema_long" in state:
                long = {**state, "ema": state["ema_long"], "ema_rampup": self.train_config.ema_long_rampup}
                checkpoint.save(os.path.join(self.run_dir, "ema-long.pt"), checkpoint.ema_only(long))
            if os.path.isfile(self.metrics_path):
                self.save_plot()


def train(run: TrainingRun) -> None:
    """One whole run, as model.train does it; SIGINT and SIGTERM save a checkpoint after the current step."""
    env = setup_distributed(run.device)
    trainer = Trainer(run, env)

    def request_stop(signum: int, _frame: Any) -> None:
        trainer.stop_requested = True
        print(f"\n{signal.Signals(signum).name}: saving a checkpoint after this step", file=sys.stderr)

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        trainer.run()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if env.world > 1:
        # DDP's reducer holds the process group too. Freed last there, the group's destructor joins gloo's
        # worker threads with the GIL held, and one still letting go of a collective's tensor waits for the
        # GIL: the process hangs after its checkpoint. Dropped here first, the group goes in
        # destroy_process_group, which lets go of the GIL while it waits.
        del trainer
        dist.destroy_process_group()
