"""The int8 variant for WASM: the fp32 graph with its convolutions in QDQ form, which onnxruntime fuses
into QLinearConv (8-bit arithmetic, twice the multiply-adds per 128-bit SIMD instruction).

Weights are int8 per output channel (symmetric); each quantized convolution's input and output are
uint8 per tensor, with ranges calibrated on what the UNet sees in use (Q-Diffusion, Li et al. 2023):
its own sampling trajectories at the manifest's defaults, and its samples noised at the photo
timesteps with the null class, as restoration feeds it. No dataset is needed.

A few convolutions carry most of the error (the 1x1 shortcuts that read a concatenation of skip
connections with very different ranges, at full resolution): they stay fp32. Which ones is measured,
not guessed: each convolution is quantized alone to rank them, then the worst are kept in fp32 until
the whole graph's error is within tolerance in every timestep band. The error is counted where it
matters, in the denoised image (for a v model sqrt(1 - alpha) * RMS(v_int8 - v_fp32)), in levels of 255.

`simulated_int8` runs the same arithmetic in PyTorch (quantize, dequantize) so the plan can be
measured, and evaluated, without onnxruntime; the export's parity check holds the file to it.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper
# Debian's onnx 1.12 (CI) ships these generated protobuf classes without the stubs that PyPI's wheels have.
from onnx import ModelProto, NodeProto, TensorProto  # pyright: ignore[reportAttributeAccessIssue]

from ..diffusion.defaults import DEFAULTS, GenerateDefaults
from ..diffusion.generate import generate_with
from ..diffusion.restore import restoration_timesteps
from ..diffusion.schedule import Diffusion, sigma_of
from ..networks.unet import UNet

# Timestep bands by noise level sigma, each with its own error budget (all the same today: the
# denoised image must stay within a level of 255 at every noise level).
BANDS = (("sigma > 10", 10.0, math.inf), ("1 < sigma <= 10", 1.0, 10.0),
         ("0.1 < sigma <= 1", 0.1, 1.0), ("sigma <= 0.1", 0.0, 0.1))
TOLERANCE = {name: 1.0 for name, _, _ in BANDS}
# The file's own check at export and publish: its kernels round a little differently from the simulation,
# and the check sees a few images, not the plan's hundreds.
FILE_TOLERANCE = {name: 1.5 for name, _, _ in BANDS}
CLIP_PERCENTILE = 99.99  # of each activation's values: the last 0.01% are clipped, not given range
VALUES_PER_BATCH = 4096  # activation values kept per tensor per calibration batch


def band_of(sigma: float) -> str:
    return next(name for name, low, high in BANDS if low < sigma <= high or (low == 0.0 and sigma <= high))


@dataclass(frozen=True)
class Uint8Range:
    """An activation's uint8 quantization: value = (q - zero_point) * scale, q in [0, 255]."""
    scale: float
    zero_point: int

    @classmethod
    def spanning(cls, low: float, high: float) -> "Uint8Range":
        low, high = min(low, 0.0), max(high, 0.0)  # zero must be exact (padding)
        scale = float(np.float32((high - low) / 255)) if high > low else 1.0  # as the file stores it
        return cls(scale, int(round(-low / scale)))

    def fake(self, x: torch.Tensor) -> torch.Tensor:
        return (torch.clamp(torch.round(x / self.scale) + self.zero_point, 0, 255) - self.zero_point) * self.scale


@dataclass(frozen=True)
class ConvQuantization:
    input: Uint8Range
    output: Uint8Range


# module name (as in the state dict: "up.9.blocks.0.skip") -> its quantization; absent: fp32
Int8Plan = dict[str, ConvQuantization]


def weight_scales(weight: torch.Tensor) -> torch.Tensor:
    """Per output channel, symmetric int8: the largest |w| maps to 127 (an all-zero channel gets scale 1)."""
    largest = weight.abs().flatten(1).amax(dim=1)
    return torch.where(largest > 0, largest / 127, torch.ones_like(largest))


def quantized_weight(weight: torch.Tensor) -> torch.Tensor:
    scales = weight_scales(weight)[:, None, None, None]
    return torch.clamp(torch.round(weight / scales), -127, 127)


def quantized_bias(bias: torch.Tensor, weight: torch.Tensor, input_scale: float) -> torch.Tensor:
    """int32, at the scale of the integer products (input scale x weight scale), as QLinearConv adds it."""
    return torch.round(bias / (weight_scales(weight) * input_scale))


class SimulatedConv(torch.nn.Module):
    """A convolution computed as the int8 file computes it, in float: quantized input, weight, bias, output."""

    def __init__(self, conv: torch.nn.Conv2d, q: ConvQuantization):
        super().__init__()
        assert conv.bias is not None
        self.conv, self.q = conv, q
        scales = weight_scales(conv.weight.detach())
        self.weight = quantized_weight(conv.weight.detach()) * scales[:, None, None, None]
        self.bias = quantized_bias(conv.bias.detach(), conv.weight.detach(), q.input.scale) * scales * q.input.scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self.conv
        out = F.conv2d(self.q.input.fake(x), self.weight, self.bias, conv.stride, conv.padding, conv.dilation,
                       conv.groups)
        return self.q.output.fake(out)


@contextlib.contextmanager
def simulated_int8(net: UNet, plan: Int8Plan) -> Iterator[None]:
    """Runs `net` as the int8 file computes, each planned convolution swapped for its SimulatedConv."""
    swapped: list[tuple[torch.nn.Module, str, torch.nn.Module]] = []
    try:
        for name, q in plan.items():
            parent_name, _, child = name.rpartition(".")
            parent = net.get_submodule(parent_name)
            conv = getattr(parent, child)
            assert isinstance(conv, torch.nn.Conv2d)
            setattr(parent, child, SimulatedConv(conv, q))
            swapped.append((parent, child, conv))
        yield
    finally:
        for parent, child, conv in swapped:
            setattr(parent, child, conv)


Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # x, t, class_labels: one call of the UNet

# Photos are calibrated on a grid of this many steps over the whole schedule: finer than any photo
# default (10 kept at size, 14 enlarged), it spans the noise levels they restore at, and it does not
# move the file's ranges when a default does.
CALIBRATION_PHOTO_STEPS = 20


def inputs_in_use(net: UNet, diffusion: Diffusion, images: int, seed: int,
                  sampling: GenerateDefaults = DEFAULTS.generate) -> list[Batch]:
    """What the UNet is called on: every call while generating `images` as `sampling` says (random classes;
    a student's own timesteps), then those images noised at the photo restoration's timesteps, unconditionally."""
    calls: list[Batch] = []

    class Recorder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net, self.config = net, net.config

        def forward(self, x: torch.Tensor, t: torch.Tensor, class_labels: torch.Tensor) -> torch.Tensor:
            calls.append((x.clone(), t.clone(), class_labels.clone()))
            return self.net(x, t, class_labels)

    generator = torch.Generator().manual_seed(seed)
    config = net.config
    labels = torch.randint(0, max(config.num_classes, 1), (images,), generator=generator, dtype=torch.int32)
    samples = generate_with(Recorder(), diffusion, labels, sampling, seed)
    null = torch.full((images,), config.num_classes, dtype=torch.int32)
    for t in restoration_timesteps(CALIBRATION_PHOTO_STEPS, diffusion.alphas_cumprod, None):
        a = float(diffusion.alphas_cumprod[int(t)])
        noise = torch.randn(samples.shape, generator=generator)
        calls.append((math.sqrt(a) * samples + math.sqrt(1 - a) * noise, torch.full((images,), t), null))
    return calls


def calibrate(net: UNet, calls: list[Batch], seed: int = 0) -> dict[str, ConvQuantization]:
    """Every convolution's input and output range over `calls`, clipped at CLIP_PERCENTILE."""
    convs = {name: m for name, m in net.named_modules() if isinstance(m, torch.nn.Conv2d) and m.bias is not None}
    kept: dict[str, tuple[list[torch.Tensor], list[torch.Tensor]]] = {name: ([], []) for name in convs}
    generator = torch.Generator().manual_seed(seed)

    def keep(values: torch.Tensor, into: list[torch.Tensor]) -> None:
        flat = values.detach().flatten().float().cpu()
        into.append(flat[torch.randint(0, flat.numel(), (VALUES_PER_BATCH,), generator=generator)])

    def hook(name: str) -> Callable[[torch.nn.Module, tuple[torch.Tensor, ...], torch.Tensor], None]:
        def record(_module: torch.nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
            keep(args[0], kept[name][0])
            keep(out, kept[name][1])
        return record

    hooks = [m.register_forward_hook(hook(name)) for name, m in convs.items()]
    try:
        with torch.no_grad():
            for x, t, labels in calls:
                net(x, t, labels)
    finally:
        for h in hooks:
            h.remove()

    def spanning(values: list[torch.Tensor]) -> Uint8Range:
        v = torch.cat(values).numpy()
        return Uint8Range.spanning(float(np.percentile(v, 100 - CLIP_PERCENTILE)),
                                   float(np.percentile(v, CLIP_PERCENTILE)))

    return {name: ConvQuantization(spanning(ins), spanning(outs)) for name, (ins, outs) in kept.items()}


def fp32_outputs(net: UNet, calls: list[Batch]) -> list[torch.Tensor]:
    with torch.no_grad():
        return [net(x, t, labels) for x, t, labels in calls]


def band_errors(net: UNet, diffusion: Diffusion, plan: Int8Plan, calls: list[Batch],
                reference: Optional[list[torch.Tensor]] = None) -> dict[str, float]:
    """The simulated int8 UNet's error in the denoised image, in levels of 255 (RMS), worst call per band;
    `reference`: the fp32 outputs on `calls`, when already computed."""
    reference = reference if reference is not None else fp32_outputs(net, calls)
    with torch.no_grad():
        with simulated_int8(net, plan):
            quantized = [net(x, t, labels) for x, t, labels in calls]
    errors: dict[str, float] = {}
    for (_, t, _), ref, out in zip(calls, reference, quantized):
        a = float(diffusion.alphas_cumprod[int(t[0])])
        error = denoised_error(ref.numpy(), out.numpy(), a)
        band = band_of(sigma_of(a))
        errors[band] = max(errors.get(band, 0.0), error)
    return errors


def denoised_error(reference: np.ndarray, output: np.ndarray, a: float) -> float:
    """sqrt(1 - a) RMS(output - reference) in levels of 255 (the image spans [-1, 1]): for a v model the error
    in the denoised image x0 = sqrt(a) x - sqrt(1 - a) v; for an eps model, in the noise a step removes
    (its x0 error, larger by 1 / sqrt(a), is unbounded at the top of the schedule, where samplers clip x0)."""
    return math.sqrt(1 - a) * float(np.sqrt(np.mean((output - reference) ** 2))) * 127.5


def within(errors: dict[str, float], tolerance: dict[str, float]) -> bool:
    return all(errors[band] <= tolerance[band] for band in errors)


@dataclass(frozen=True)
class Int8Result:
    plan: Int8Plan
    kept_fp32: list[str]  # the convolutions left in fp32, most sensitive first
    errors: dict[str, float]  # simulated, on calls not used for calibration


def plan_int8(net: UNet, diffusion: Diffusion, sampling: GenerateDefaults = DEFAULTS.generate, images: int = 16,
              seed: int = 0) -> Int8Result:
    """Calibrates on one set of calls, then keeps the most sensitive convolutions in fp32 until the error on
    another set is within TOLERANCE in every band (a bisection over how many, in order of sensitivity)."""
    net.eval()
    ranges = calibrate(net, inputs_in_use(net, diffusion, images, seed, sampling), seed)
    held_out = inputs_in_use(net, diffusion, images, seed + 1, sampling)
    probe = held_out[::3]  # ranking needs only a sample
    probe_fp32, held_out_fp32 = fp32_outputs(net, probe), fp32_outputs(net, held_out)  # computed once, not per plan
    sensitivity = {name: max(band_errors(net, diffusion, {name: q}, probe, probe_fp32).values())
                   for name, q in ranges.items()}
    order = sorted(ranges, key=lambda name: -sensitivity[name])

    def keeping(count: int) -> tuple[Int8Plan, dict[str, float]]:
        plan = {name: ranges[name] for name in order[count:]}
        return plan, band_errors(net, diffusion, plan, held_out, held_out_fp32)

    low, high = 0, len(order)  # within tolerance keeping `high` in fp32 (all of them: trivially)
    best = keeping(high)
    while low < high:
        middle = (low + high) // 2
        plan, errors = keeping(middle)
        if within(errors, TOLERANCE):
            high, best = middle, (plan, errors)
        else:
            low = middle + 1
    plan, errors = best
    return Int8Result(plan, order[:high], errors)


def quantize_graph(model: ModelProto, net: UNet, plan: Int8Plan) -> ModelProto:
    """The fp32 graph with each planned Conv between QuantizeLinear/DequantizeLinear pairs: its input and
    output uint8, its weight int8 per channel and its bias int32, as onnxruntime's QDQ fusion expects."""
    model = ModelProto.FromString(model.SerializeToString())  # never modify the caller's graph
    graph = model.graph
    parameters = dict(net.named_parameters())
    initializers: list[TensorProto] = []
    nodes: list[NodeProto] = []
    # fp32 tensor -> its dequantized copy and the range it was quantized at (shared between readers)
    quantized_inputs: dict[str, tuple[str, Uint8Range]] = {}
    quantized: set[str] = set()

    def constant(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(value, name))
        return name

    def qdq(tensor: str, source: str, target: str, q: Uint8Range) -> None:
        scale = constant(f"{target}_scale", np.array(q.scale, dtype=np.float32))
        zero = constant(f"{target}_zero_point", np.array(q.zero_point, dtype=np.uint8))
        nodes.append(helper.make_node("QuantizeLinear", [source, scale, zero], [f"{target}_uint8"], name=f"{target}_Q"))
        nodes.append(helper.make_node("DequantizeLinear", [f"{target}_uint8", scale, zero], [tensor],
                                      name=f"{target}_DQ"))

    def dequantized(name: str, values: torch.Tensor, dtype: type, scales: np.ndarray) -> str:
        stored = constant(f"{name}_quantized", values.numpy().astype(dtype))
        scale = constant(f"{name}_scale", scales.astype(np.float32))
        zero = constant(f"{name}_zero_point", np.zeros(len(scales), dtype=dtype))
        nodes.append(helper.make_node("DequantizeLinear", [stored, scale, zero], [f"{name}_dequantized"], axis=0,
                                      name=f"{name}_DQ"))
        return f"{name}_dequantized"

    for node in graph.node:
        module = node.input[1].removesuffix(".weight") if node.op_type == "Conv" else None
        if module is None or module not in plan:
            nodes.append(node)
            continue
        q = plan[module]
        weight, bias = parameters[f"{module}.weight"].detach(), parameters[f"{module}.bias"].detach()
        x = node.input[0]
        if x not in quantized_inputs:
            quantized_inputs[x] = (f"{x}_in_dequantized", q.input)
            qdq(f"{x}_in_dequantized", x, f"{x}_in", q.input)
        # A second reader of x gets the first reader's input range: its bias is at that scale too.
        node.input[0], input_range = quantized_inputs[x]
        scales = weight_scales(weight).numpy()
        node.input[1] = dequantized(node.input[1], quantized_weight(weight), np.int8, scales)
        node.input[2] = dequantized(node.input[2], quantized_bias(bias, weight, input_range.scale), np.int32,
                                    scales * input_range.scale)
        quantized.add(module)
        output = node.output[0]
        node.output[0] = f"{output}_fp32"
        nodes.append(node)
        qdq(output, node.output[0], f"{output}_out", q.output)

    missing = set(plan) - quantized
    if missing:
        raise ValueError(f"no Conv in the graph reads the weights of {sorted(missing)}")
    used = {name for node in nodes for name in node.input}  # the fp32 weights now read by nothing go
    kept = [t for t in list(graph.initializer) + initializers if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.value_info[:]
    return model


def plan_from_graph(model: ModelProto) -> Int8Plan:
    """The plan an int8 graph was written from, read back from its QuantizeLinear scales (to evaluate the file
    itself in PyTorch with `simulated_int8`)."""
    values = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}

    def uint8_range(target: str) -> Uint8Range:
        return Uint8Range(float(values[f"{target}_scale"]), int(values[f"{target}_zero_point"]))

    plan: Int8Plan = {}
    for node in model.graph.node:
        weight = node.input[1] if node.op_type == "Conv" else ""
        if weight.endswith(".weight_dequantized"):
            x = node.input[0].removesuffix("_in_dequantized")
            plan[weight.removesuffix(".weight_dequantized")] = ConvQuantization(
                uint8_range(f"{x}_in"), uint8_range(f"{node.output[0].removesuffix('_fp32')}_out"))
    return plan


def band_checks(net: UNet, diffusion: Diffusion, sampling: GenerateDefaults = DEFAULTS.generate, images: int = 2,
                seed: int = 7) -> list[tuple[str, Batch]]:
    """One batch per band for the export's parity check: the first call in that band of `inputs_in_use`,
    from seeds the plan never saw."""
    checks: dict[str, Batch] = {}
    for x, t, labels in inputs_in_use(net, diffusion, images, seed, sampling):
        x = torch.round(x * 1e4) / 1e4  # as parity.json stores them, to 4 decimals
        checks.setdefault(band_of(sigma_of(float(diffusion.alphas_cumprod[int(t[0])]))), (x, t, labels))
    return [(name, checks[name]) for name, _, _ in BANDS if name in checks]
