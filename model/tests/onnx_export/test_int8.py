import math

import onnx.checker
import pytest
import torch
# Debian's onnx 1.12 (CI) ships its generated protobuf classes without the stubs that PyPI's wheels have.
from onnx import TensorProto  # pyright: ignore[reportAttributeAccessIssue]

from model.diffusion.defaults import GenerateDefaults
from model.diffusion.restore import restoration_timesteps
from model.diffusion.schedule import Diffusion, DiffusionConfig
from model.networks.unet import UNet, UNetConfig
from model.onnx_export import int8
from model.onnx_export.graph import export_onnx
from model.onnx_export.int8 import (BANDS, TOLERANCE, Uint8Range, band_errors, band_of, calibrate, inputs_in_use,
                                    plan_from_graph, plan_int8, quantize_graph, simulated_int8)


@pytest.fixture(scope="module")
def unet():
    """A small UNet with every weight drawn (the zero-initialized output convolutions too), like a trained one."""
    torch.manual_seed(0)
    net = UNet(UNetConfig(image_size=16, model_channels=8, channel_mult=(1, 2), num_res_blocks=1,
                          attention_resolutions=(8,), num_heads=2, groups=4, num_classes=3))
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0.0, 0.2 if p.dim() > 1 else 0.05)
    return net.eval(), Diffusion(DiffusionConfig(timesteps=100, prediction="v"))


def test_uint8_range_keeps_zero_exact_and_rounds_within_half_a_step():
    q = Uint8Range.spanning(0.5, 3.0)  # a range that excludes zero is widened to include it
    assert q.zero_point == 0 and q.fake(torch.zeros(1)).item() == 0.0
    x = torch.linspace(-1.0, 2.0, 301)
    q = Uint8Range.spanning(-1.0, 2.0)
    assert (q.fake(x) - x).abs().max() <= q.scale / 2 + 1e-7
    assert q.fake(torch.tensor([9.0])).item() == pytest.approx(2.0, abs=q.scale)  # beyond the range: clipped


def test_bands_cover_every_noise_level_once():
    assert [band_of(s) for s in (80.0, 10.0, 1.0, 0.1, 0.002)] == [name for name, _, _ in BANDS] + ["sigma <= 0.1"]


def test_the_graph_records_the_plan_it_was_written_from(unet, tmp_path):
    net, diffusion = unet
    path = str(tmp_path / "model.onnx")
    export_onnx(net, path)
    ranges = calibrate(net, inputs_in_use(net, diffusion, 2, seed=0))
    plan = {name: q for name, q in ranges.items() if name != "input_conv"}
    graph = quantize_graph(onnx.load(path), net, plan)
    onnx.checker.check_model(graph)
    assert plan_from_graph(graph) == plan
    weights = {t.name: t.data_type for t in graph.graph.initializer}
    assert weights["input_conv.weight"] == TensorProto.FLOAT  # not planned: stays fp32
    assert "out.2.weight" not in weights and weights["out.2.weight_quantized"] == TensorProto.INT8
    assert weights["out.2.bias_quantized"] == TensorProto.INT32
    ops = [n.op_type for n in graph.graph.node]
    assert ops.count("Conv") == len(ranges) and ops.count("QuantizeLinear") >= 2 * len(plan) - ops.count("Concat")


def test_a_student_is_calibrated_on_the_calls_it_makes(unet):
    # Its own timesteps, one pass each (guidance built in), then the photo timesteps, unconditionally.
    net, diffusion = unet
    student = GenerateDefaults("ddim", 3, 1.0, None, timesteps=(90, 40, 7))
    calls = inputs_in_use(net, diffusion, 2, seed=0, sampling=student)
    photo = restoration_timesteps(int8.CALIBRATION_PHOTO_STEPS, diffusion.alphas_cumprod, None)
    assert [float(t[0]) for _, t, _ in calls] == [90.0, 40.0, 7.0] + [float(t) for t in photo]
    assert [len(labels) for _, _, labels in calls[:3]] == [2, 2, 2]


def test_simulation_changes_the_output_a_little_and_then_restores_the_network(unet):
    net, diffusion = unet
    calls = inputs_in_use(net, diffusion, 2, seed=0)
    plan = calibrate(net, calls)
    x, t, labels = calls[0]
    with torch.no_grad():
        before = net(x, t, labels)
        with simulated_int8(net, plan):
            quantized = net(x, t, labels)
        after = net(x, t, labels)
    assert torch.equal(before, after)
    error = float((quantized - before).abs().mean() / before.abs().mean())
    assert 1e-4 < error < 0.2


def test_plan_keeps_the_sensitive_convolutions_in_fp32_until_every_band_is_within_tolerance(unet):
    net, diffusion = unet
    result = plan_int8(net, diffusion, images=2)
    assert set(result.errors) == {name for name, _, _ in BANDS}
    assert all(result.errors[band] <= TOLERANCE[band] for band in result.errors)
    convs = {name for name, m in net.named_modules() if isinstance(m, torch.nn.Conv2d)}
    assert set(result.plan) | set(result.kept_fp32) == convs and not set(result.plan) & set(result.kept_fp32)
    # The same calls with all of them quantized are out of tolerance, or nothing needed keeping.
    everything = calibrate(net, inputs_in_use(net, diffusion, 2, seed=0))
    held_out = inputs_in_use(net, diffusion, 2, seed=1)
    all_int8 = band_errors(net, diffusion, everything, held_out)
    assert result.kept_fp32 == [] or max(all_int8.values()) > min(TOLERANCE.values())


def test_a_tolerance_nothing_meets_leaves_no_int8_plan(unet, monkeypatch):
    net, diffusion = unet
    monkeypatch.setattr(int8, "TOLERANCE", {name: 0.0 for name, _, _ in BANDS})
    result = plan_int8(net, diffusion, images=2)
    assert result.plan == {} and math.isclose(max(result.errors.values()), 0.0)
