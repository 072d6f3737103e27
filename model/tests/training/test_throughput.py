import torch

from model.networks.unet import UNet
from model.training.config import PRESETS
from model.training.throughput import LEVERS, bench_levers, forward_flops


def test_flop_count_agrees_with_the_profiler():
    net = UNet(PRESETS["tiny"].unet).eval()
    size = net.config.image_size
    with torch.profiler.profile(with_flops=True) as profiler, torch.no_grad():
        net(torch.zeros(1, 3, size, size), torch.zeros(1), torch.zeros(1, dtype=torch.int32))
    products = sum(e.flops for e in profiler.key_averages() if e.key in ("aten::conv2d", "aten::addmm", "aten::bmm"))
    assert forward_flops(net) == products


def test_levers_are_timed_beside_the_step_as_trained():
    rows = bench_levers("tiny", steps=1, rounds=1, device=torch.device("cpu"))
    assert [r["lever"] for r in rows] == ["fp32", *LEVERS]
    assert rows[0]["ratio"] == 1.0 and all(r["images_per_s"] > 0 for r in rows)
    batch = PRESETS["tiny"].train.batch_size
    assert [r["batch"] for r in rows[:3]] == [batch, batch // 2, batch * 2]
