import pytest
import torch

from model.diffusion.guidance import guidance_interval, guided_eps_model
from model.diffusion.schedule import alphas_cumprod_for


class LabelNet(torch.nn.Module):
    """A stand-in network whose output is its class label: guidance arithmetic becomes visible."""

    def forward(self, x, t, class_labels):
        return class_labels.float().view(-1, 1, 1, 1).expand_as(x)


def test_classifier_free_guidance_extrapolates_from_unconditional_to_conditional():
    alphas_cumprod = alphas_cumprod_for("cosine", 100)
    x = torch.zeros(2, 1, 1, 1)
    labels = torch.tensor([2, 4])
    null = 10
    for guidance, expected in ((0.0, [10, 10]), (1.0, [2, 4]), (3.0, [10 + 3 * (2 - 10), 10 + 3 * (4 - 10)])):
        eps = guided_eps_model(LabelNet(), labels, guidance, null, alphas_cumprod, "eps")(x, 5.0)
        assert eps.view(-1).tolist() == expected


def test_guidance_applies_only_inside_its_noise_interval():
    alphas_cumprod = torch.tensor([0.9, 0.5, 0.1], dtype=torch.float64)  # sigma 0.33, 1, 3
    x = torch.zeros(2, 1, 1, 1)
    labels = torch.tensor([2, 4])
    calls: list[int] = []

    class CountingNet(LabelNet):
        def forward(self, x, t, class_labels):
            calls.append(len(class_labels))
            return super().forward(x, t, class_labels)

    eps_model = guided_eps_model(CountingNet(), labels, 3.0, 10, alphas_cumprod, "eps", interval=(0.5, 2.0))
    assert [eps_model(x, float(t)).view(-1).tolist() for t in range(3)] == [[2, 4], [-14, -8], [2, 4]]
    assert calls == [2, 4, 2]


def test_guidance_interval_flags():
    assert guidance_interval("none") is None
    assert guidance_interval("0.2,5") == (0.2, 5.0)
    for bad in ("5,0.2", "1", "a,b", "-1,2"):
        with pytest.raises(ValueError):
            guidance_interval(bad)
