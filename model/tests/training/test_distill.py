import os

import pytest
import torch

from model.diffusion.defaults import DEFAULTS
from model.diffusion.guidance import guided_eps_model
from model.diffusion.samplers import ddim_step, denoise
from model.diffusion.schedule import (SIGMA_MAX, Diffusion, DiffusionConfig, alpha_after, alphas_cumprod_for,
                                      sigma_of)
from model.networks.unet import UNet, UNetConfig
from model.tests.test_train import TINY, train
from model.train import main
from model.training import checkpoint
from model.training.distill import DistillConfig, Distillation, student_timesteps, timesteps_between


def tiny_teacher() -> tuple[UNet, Diffusion]:
    torch.manual_seed(0)
    net = UNet(UNetConfig(image_size=16, model_channels=8, channel_mult=(1, 2), num_res_blocks=1,
                          attention_resolutions=(8,), num_heads=2, groups=4, num_classes=2))
    return net, Diffusion(DiffusionConfig(timesteps=100, prediction="v"))


def test_timesteps_between_are_distinct_decreasing_and_span_both_ends():
    a = alphas_cumprod_for("cosine", 1000)
    for first, last, count in ((991, 55, 4), (470, 0, 3), (10, 8, 3)):
        ts = timesteps_between(a, first, last, count)
        assert ts[0] == first and ts[-1] == last and len(ts) == count
        assert all(x > y for x, y in zip(ts, ts[1:]))
    with pytest.raises(ValueError, match="cannot place 4 timesteps from 10 down to 8"):
        timesteps_between(a, 10, 8, 4)


def test_the_student_starts_at_sigma_max_and_stops_at_its_sigma_min():
    a = alphas_cumprod_for("cosine", 1000)
    ts = student_timesteps(a, 4, 0.1)
    assert len(ts) == 4
    assert sigma_of(float(a[int(ts[0])])) == pytest.approx(SIGMA_MAX, rel=0.05)
    assert sigma_of(float(a[int(ts[-1])])) == pytest.approx(0.1, rel=0.1)


def test_a_single_teacher_substep_makes_the_target_the_guided_teachers_own_x0():
    # One first-order DPM-Solver++ step is a DDIM step, so the x0 that makes the student's DDIM step land
    # where the teacher does is the teacher's guided, clipped x0 prediction itself: the target's algebra.
    teacher, diffusion = tiny_teacher()
    distillation = Distillation(teacher, diffusion, DistillConfig(student_steps=3, teacher_substeps=1), null_class=2)
    x, labels = torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0], dtype=torch.int32)
    eps_model = guided_eps_model(teacher, labels, distillation.config.teacher_guidance, 2, diffusion.alphas_cumprod,
                                 "v", DEFAULTS.generate.guidance_interval)
    for i, t in enumerate(distillation.timesteps):
        a_t = float(diffusion.alphas_cumprod[int(t)])
        _, x0 = denoise(eps_model, x, t, a_t, clip=True)
        target = distillation.teacher_target(x, labels, i)
        assert torch.allclose(target, x0, atol=1e-4), f"step {i}: {(target - x0).abs().max()}"
        # ...and a DDIM step with it lands where the teacher's step did.
        a_s = alpha_after(diffusion.alphas_cumprod, distillation.timesteps, i)
        if a_s < 1:
            landed = ddim_step(target, (x - a_t ** 0.5 * target) / (1 - a_t) ** 0.5, a_t, a_s, 0.0, torch.randn)
            assert torch.allclose(landed, ddim_step(x0, (x - a_t ** 0.5 * x0) / (1 - a_t) ** 0.5, a_t, a_s, 0.0,
                                                    torch.randn), atol=1e-4)


def test_a_student_distils_the_weights_it_starts_from_and_resumes_with_its_teacher(tmp_path, image_folder):
    teacher = train(tmp_path / "teacher", image_folder, "--total-kimg", "0.016", "--num-classes", "2")
    checkpoint.save(str(tmp_path / "teacher.pt"), checkpoint.ema_only(teacher))
    student_flags = ("--init", str(tmp_path / "teacher.pt"), "--student-steps", "2", "--teacher-substeps", "2",
                     "--sample-every-kimg", "0.016")
    student = train(tmp_path / "student", image_folder, "--total-kimg", "0.032", *student_flags)
    # The teacher is kept, frozen, so that a resumed student learns from the same one.
    shipped = checkpoint.load(str(tmp_path / "teacher.pt"))["ema"]
    for name, value in student["teacher"].items():
        assert torch.equal(value, shipped[name].float()), name
    assert student["distill"]["student_steps"] == 2
    assert checkpoint.load(str(tmp_path / "student" / "ema.pt"))["distill"]["student_steps"] == 2
    assert (tmp_path / "student" / "samples" / "latest.png").stat().st_size > 0
    main(TINY + ["--run-dir", str(tmp_path / "student"), "--resume", "--total-kimg", "0.048"])
    resumed = checkpoint.load(os.path.join(tmp_path / "student", "checkpoint.pt"))
    assert resumed["images_seen"] == 48
    assert all(torch.equal(v, resumed["teacher"][k]) for k, v in student["teacher"].items())
    with pytest.raises(SystemExit, match="a student distils the weights it starts from: pass --init"):
        train(tmp_path / "orphan", image_folder, "--total-kimg", "0.016", "--student-steps", "2", "--num-classes", "2")


def test_a_committed_student_goes_on_distilling_with_its_teacher_where_its_run_is_gone(tmp_path, image_folder):
    teacher = train(tmp_path / "teacher", image_folder, "--total-kimg", "0.016", "--num-classes", "2")
    teacher_file = str(tmp_path / "teacher.pt")
    checkpoint.save(teacher_file, checkpoint.ema_only(teacher))
    train(tmp_path / "student", image_folder, "--total-kimg", "0.032", "--init", teacher_file, "--student-steps", "2",
          "--teacher-substeps", "1", "--step-shares", "1,3", "--lr", "1e-4")
    student_file = str(tmp_path / "student" / "ema.pt")  # all a committed student keeps
    state = train(tmp_path / "more", image_folder, "--total-kimg", "0.048", "--init", student_file,
                  "--teacher", teacher_file)
    # It goes on as it was trained: the same teacher and settings, the image count going on from its own.
    assert (state["distill"]["student_steps"], tuple(state["distill"]["step_shares"])) == (2, (1, 3))
    assert state["train"]["lr"] == 1e-4
    assert (state["images_seen"], state["warm_start"]["images_seen"]) == (48, 32)
    # Its distilled images count from where its teacher left off (16), as its version id says.
    assert state["distilled_from_images"] == checkpoint.load(student_file)["distilled_from_images"] == 16
    shipped = checkpoint.load(teacher_file)["ema"]
    assert all(torch.equal(value, shipped[name].float()) for name, value in state["teacher"].items())
    with pytest.raises(SystemExit, match="--teacher goes with a distilled student's --init, and .*teacher.pt is not"):
        train(tmp_path / "plain", image_folder, "--init", teacher_file, "--teacher", teacher_file)
    with pytest.raises(SystemExit, match="--teacher goes with --init"):
        train(tmp_path / "alone", image_folder, "--teacher", teacher_file)
    other = checkpoint.load(teacher_file)
    other["unet"]["model_channels"] *= 2
    checkpoint.save(str(tmp_path / "other.pt"), other)
    with pytest.raises(SystemExit, match="other.pt is not the network .* was distilled from"):
        train(tmp_path / "stranger", image_folder, "--init", student_file, "--teacher", str(tmp_path / "other.pt"))
    with pytest.raises(SystemExit, match="or go on with this student by passing its teacher's weights to --teacher"):
        train(tmp_path / "copy", image_folder, "--init", student_file, "--student-steps", "2")


def test_step_shares_send_training_to_the_student_steps_they_name():
    teacher, diffusion = tiny_teacher()
    config = DistillConfig(student_steps=3, teacher_substeps=1, step_shares=(0, 1, 0))
    distillation = Distillation(teacher, diffusion, config, null_class=2)
    drawn: list[int] = []

    def record(x: torch.Tensor, labels: torch.Tensor, i: int) -> torch.Tensor:
        drawn.append(i)
        return torch.zeros_like(x)

    distillation.teacher_target = record  # type: ignore[method-assign]
    x0, labels = torch.rand(16, 3, 16, 16) * 2 - 1, torch.zeros(16, dtype=torch.int32)
    distillation.loss(teacher, x0, labels, torch.Generator().manual_seed(0))
    assert drawn == [1]
    with pytest.raises(ValueError, match=r"step_shares \(1, 1\): give one share"):
        Distillation(teacher, diffusion, DistillConfig(student_steps=3, step_shares=(1, 1)), null_class=2)
