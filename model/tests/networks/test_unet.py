import pytest
import torch

from model.networks.unet import UNet, UNetConfig, count_parameters
from model.training.config import PRESETS


def randomized(config: UNetConfig) -> UNet:
    """A UNet whose zero-initialised layers are random too, so every input can change the output."""
    torch.manual_seed(0)
    net = UNet(config).eval()
    with torch.no_grad():
        for p in net.parameters():
            if p.abs().sum() == 0 and p.dim() > 1:
                p.normal_(0, 0.05)
    return net


def test_output_shape_matches_input_for_each_preset_shape():
    for config in (PRESETS["tiny"].unet, UNetConfig(image_size=32, model_channels=8, channel_mult=(1, 2, 2),
                                                    attention_resolutions=(16, 8), groups=4)):
        net = UNet(config)
        x = torch.randn(3, config.in_channels, config.image_size, config.image_size)
        out = net(x, torch.tensor([0.0, 10.5, 99.0]), torch.tensor([0, 1, config.num_classes], dtype=torch.int32))
        assert out.shape == x.shape


def test_fresh_network_outputs_zero_so_training_starts_from_the_identity_blocks():
    net = UNet(PRESETS["tiny"].unet)
    out = net(torch.randn(2, 3, 16, 16), torch.tensor([1.0, 2.0]), torch.tensor([0, 1]))
    assert torch.count_nonzero(out) == 0


def test_class_and_timestep_condition_the_output():
    net = randomized(PRESETS["tiny"].unet)
    x = torch.randn(1, 3, 16, 16).repeat(3, 1, 1, 1)
    with torch.no_grad():
        by_class = net(x, torch.full((3,), 50.0), torch.tensor([0, 1, 10], dtype=torch.int32))
        by_time = net(x, torch.tensor([1.0, 50.0, 99.0]), torch.zeros(3, dtype=torch.int32))
    assert (by_class[0] - by_class[1]).abs().max() > 1e-4
    assert (by_class[0] - by_class[2]).abs().max() > 1e-4  # the null class is a class of its own
    assert (by_time[0] - by_time[1]).abs().max() > 1e-4


def test_batch_elements_are_independent():
    net = randomized(PRESETS["tiny"].unet)
    x, t, c = torch.randn(4, 3, 16, 16), torch.tensor([3.0, 40.0, 70.0, 99.0]), torch.tensor([0, 1, 2, 10])
    with torch.no_grad():
        together = net(x, t, c)
        alone = torch.cat([net(x[i:i + 1], t[i:i + 1], c[i:i + 1]) for i in range(4)])
    assert torch.allclose(together, alone, atol=1e-5)


def test_ddpm_preset_is_near_the_papers_size():
    params = count_parameters(UNet(PRESETS["ddpm"].unet))
    assert 35e6 < params < 40e6  # DDPM's CIFAR-10 model: 35.7M; scale-shift conditioning adds ~2.6M


@pytest.mark.parametrize("change, message", [
    ({"image_size": 15}, "not divisible"),
    ({"model_channels": 12, "groups": 8}, "GroupNorm groups"),
    ({"attention_resolutions": (4,)}, "attention resolution"),
    ({"num_heads": 3}, "attention heads"),
])
def test_bad_configurations_fail_with_a_clear_message(change, message):
    config = UNetConfig(image_size=16, model_channels=8, channel_mult=(1, 2), attention_resolutions=(8,), groups=4)
    for key, value in change.items():
        setattr(config, key, value)
    with pytest.raises(ValueError, match=message):
        UNet(config)
