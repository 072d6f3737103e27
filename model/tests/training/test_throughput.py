import torch

from model.networks.unet import UNet
from model.training.config import PRESETS
from model.training.throughput import forward_flops


def test_flop_count_agrees_with_the_profiler():
    net = UNet(PRESETS["tiny"].unet).eval()
    size = net.config.image_size
    with torch.profiler.profile(with_flops=True) as profiler, torch.no_grad():
        net(torch.zeros(1, 3, size, size), torch.zeros(1), torch.zeros(1, dtype=torch.int32))
    products = sum(e.flops for e in profiler.key_averages() if e.key in ("aten::conv2d", "aten::addmm", "aten::bmm"))
    assert forward_flops(net) == products
