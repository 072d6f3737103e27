import collections
import json
import os

import jsonschema
import onnx
import onnx.checker
import pytest
# Debian's onnx 1.12 (CI) ships its generated protobuf classes without the stubs that PyPI's wheels have.
from onnx import TensorProto  # pyright: ignore[reportAttributeAccessIssue]

from model.diffusion.defaults import DEFAULTS, GenerateDefaults, RestoreDefaults, SamplingDefaults
from model.diffusion.generate import generate as generate_images
from model.diffusion.samplers import SAMPLERS
from model.onnx_export.version import export
from model.train import main as train
from model.training import checkpoint
from model.training.images import grid_labels, save_grid
from model.training.shapes import write_dataset


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    work = tmp_path_factory.mktemp("export")
    write_dataset(str(work / "data"), per_class=2)
    train(["--preset", "tiny", "--data", f"folder:{work / 'data'}", "--num-classes", "4", "--run-dir",
           str(work / "run"), "--total-kimg", "0.016", "--prediction", "v"])
    manifest = export(str(work / "run" / "ema.pt"), str(work / "out"))
    return work / "out", manifest


def test_onnx_files_pass_the_checker_and_take_no_int64_inputs(exported):
    out, _ = exported
    for name in ("model.onnx", "model.fp16.onnx", "model.int8.onnx"):
        model = onnx.load(str(out / name))
        onnx.checker.check_model(model)
        assert [i.name for i in model.graph.input] == ["x", "t", "class_labels"]
        types = [i.type.tensor_type.elem_type for i in model.graph.input]
        assert types == [TensorProto.FLOAT, TensorProto.FLOAT, TensorProto.INT32]
        assert model.graph.output[0].type.tensor_type.elem_type == TensorProto.FLOAT
        assert model.opset_import[0].version == 17
        batch = model.graph.input[0].type.tensor_type.shape.dim[0]
        assert batch.dim_param == "batch"


def test_fp16_graph_computes_in_half_precision_except_the_timestep_features(exported):
    out, _ = exported
    fp16 = onnx.load(str(out / "model.fp16.onnx"))
    weights = collections.Counter(t.data_type for t in fp16.graph.initializer if len(t.dims) == 4)
    assert set(weights) == {TensorProto.FLOAT16}  # every conv kernel
    casts = [n for n in fp16.graph.node if n.op_type == "Cast"]
    assert any(n.input[0] == "x" for n in casts)  # the image enters fp16 right away
    sin = next(n for n in fp16.graph.node if n.op_type == "Sin")
    assert not sin.input[0].endswith("__fp16")


def test_manifest_describes_the_model(exported):
    _, manifest = exported
    assert manifest["schema"] == "edge-diffusion/manifest@1"
    assert manifest["diffusion"]["prediction"] == "v"
    assert len(manifest["diffusion"]["alphas_cumprod"]) == manifest["diffusion"]["timesteps"] == 100
    assert manifest["classes"]["null_class"] == 4
    assert [f["variant"] for f in manifest["files"]] == ["fp32", "fp16", "int8"]
    assert all(len(f["sha256"]) == 64 and f["bytes"] > 0 for f in manifest["files"])
    assert manifest["training"]["images_seen"] == 16 and manifest["training"]["preset"] == "tiny"
    assert "last_run_from_images" not in manifest["training"]  # trained from scratch: one run


def test_a_warm_started_model_says_what_its_last_run_added(exported):
    out, _ = exported
    state = checkpoint.load(str(out.parent / "run" / "ema.pt"))
    state.update(images_seen=4000, wall_seconds=900.0, hardware="1 x GPU",
                 warm_start={"images_seen": 1000, "wall_seconds": 800.0})
    checkpoint.save(str(out.parent / "warm.pt"), state)
    training = export(str(out.parent / "warm.pt"), str(out.parent / "warm"))["training"]
    assert (training["images_seen"], training["wall_seconds"], training["hardware"]) == (4000, 900.0, "1 x GPU")
    assert (training["last_run_from_images"], training["last_run_wall_seconds"]) == (1000, 100.0)


def test_the_manifest_carries_the_settings_model_eval_measured_at(exported):
    out, manifest = exported
    assert manifest["defaults"] == DEFAULTS.to_json()  # not measured: the library's
    measured = SamplingDefaults(GenerateDefaults("ddim", 5, 2.0, None), RestoreDefaults(9, 1), RestoreDefaults(7, 3),
                                RestoreDefaults(11, 2), 0.5)
    again = export(str(out.parent / "run" / "ema.pt"), str(out.parent / "measured"),
                   metrics={"note": "eval", "defaults": measured.to_json()})
    assert again["defaults"] == measured.to_json()
    assert again["metrics"] == {"note": "eval"}  # the settings live in one place


def test_an_int8_evaluation_reaches_the_manifest_only_for_the_plan_it_measured(exported, capsys):
    out, manifest = exported
    plan = json.load(open(out / "parity.json"))["int8"]
    assert [c["band"] for c in plan["checks"]] and set(plan["tolerance"]) >= {c["band"] for c in plan["checks"]}
    ckpt = str(out.parent / "run" / "ema.pt")
    measured = {"kept_fp32": [], "samples": 12, "frechet_distance": 5.0, "fp32_frechet_distance": 4.9}
    kept = export(ckpt, str(out.parent / "int8-kept"), metrics={"int8": measured})
    assert kept["metrics"]["int8"] == measured  # the tiny model quantizes whole, as this evaluation did
    other = export(ckpt, str(out.parent / "int8-other"), metrics={"int8": {**measured, "kept_fp32": ["out.2"]}})
    assert "int8" not in other["metrics"] and "another plan" in capsys.readouterr().err


def test_manifests_satisfy_the_workers_contract(exported):
    """worker/contract/manifest.schema.json is generated from the Worker's zod schema (npm run manifest-schema)."""
    here = os.path.dirname(__file__)
    with open(os.path.join(here, "..", "..", "worker", "contract", "manifest.schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    _, fresh = exported
    committed = [os.path.join(here, "..", "weights", "manifest.json"),
                 os.path.join(here, "..", "weights", "student", "manifest.json"),
                 os.path.join(here, "..", "..", "test", "fixtures", "tiny", "manifest.json")]
    for manifest in [fresh] + [json.load(open(path)) for path in committed]:
        assert [error.message for error in validator.iter_errors(manifest)] == []
    sampler = schema["properties"]["defaults"]["properties"]["generate"]["properties"]["sampler"]
    assert sorted(sampler["enum"]) == sorted(SAMPLERS)  # the Worker accepts exactly the samplers both sides run
    wrong = {**fresh, "files": [{**fresh["files"][0], "sha256": "not-hex"}]}
    assert any("does not match" in error.message for error in validator.iter_errors(wrong))


def test_only_a_student_has_a_teacher(exported, tmp_path):
    out, manifest = exported
    assert "teacher" not in manifest
    with pytest.raises(ValueError, match="not a distilled student"):
        export(str(out.parent / "run" / "ema.pt"), str(tmp_path / "out"), teacher="some-version")


def test_export_of_a_corrupt_checkpoint_fails_clearly(tmp_path):
    (tmp_path / "ema.pt").write_bytes(b"\x80\x04garbage")
    with pytest.raises(checkpoint.CheckpointError, match="not a readable checkpoint"):
        export(str(tmp_path / "ema.pt"), str(tmp_path / "out"))


def test_sample_cli_writes_one_row_per_class(exported, tmp_path):
    from PIL import Image

    from model.sample import main as sample
    out, _ = exported
    sample([str(out.parent / "run" / "ema.pt"), "--out", str(tmp_path / "grid.png"), "--per-class", "3",
            "--steps", "4", "--scale", "1"])
    grid = Image.open(tmp_path / "grid.png")
    assert grid.size == (3 * 18 + 2, 4 * 18 + 2)  # 16x16 images with 2-pixel gaps: 3 columns, 4 classes


def test_an_unconditional_model_trains_and_exports_without_class_names(tmp_path, image_folder):
    train(["--preset", "tiny", "--data", f"folder:{image_folder}", "--num-classes", "0", "--run-dir",
           str(tmp_path / "run"), "--total-kimg", "0.016"])
    manifest = export(str(tmp_path / "run" / "ema.pt"), str(tmp_path / "out"))
    assert manifest["classes"] == {"names": [], "null_class": 0}


def test_a_distilled_student_exports_the_way_it_samples(exported, tmp_path):
    """A student's manifest names its own timesteps, DDIM and guidance built in; the Worker's contract takes it."""
    out, _ = exported
    student = train(["--preset", "tiny", "--run-dir", str(tmp_path / "student"), "--init",
                     str(out.parent / "run" / "ema.pt"), "--data", f"folder:{out.parent / 'data'}",
                     "--student-steps", "3", "--teacher-substeps", "1", "--total-kimg", "0.024"])
    assert student is None
    with pytest.raises(SystemExit, match="is a distilled student's weights, which hold no teacher"):
        train(["--preset", "tiny", "--run-dir", str(tmp_path / "pupil"), "--init", str(tmp_path / "student" / "ema.pt"),
               "--data", f"folder:{out.parent / 'data'}", "--student-steps", "3", "--total-kimg", "0.048"])
    manifest = export(str(tmp_path / "student" / "ema.pt"), str(tmp_path / "out"), teacher="tiny-teacher")
    # Its id and name say what it is, and the thousands of images it distilled (8), not with its teacher's (16).
    assert manifest["id"].startswith("data-student3-0kimg-") and manifest["name"].endswith(", distilled to 3 steps")
    assert (manifest["training"]["images_seen"], manifest["training"]["distilled_from_images"]) == (24, 16)
    assert manifest["teacher"] == "tiny-teacher"
    generate = manifest["defaults"]["generate"]
    assert (generate["sampler"], generate["steps"], generate["guidance"], generate["guidance_interval"]) == \
        ("ddim", 3, 1.0, None)
    assert len(generate["timesteps"]) == 3 and generate["timesteps"] == sorted(generate["timesteps"], reverse=True)
    here = os.path.dirname(__file__)
    with open(os.path.join(here, "..", "..", "worker", "contract", "manifest.schema.json")) as f:
        validator = jsonschema.Draft202012Validator(json.load(f))
    assert [error.message for error in validator.iter_errors(manifest)] == []
    # model.sample draws the student's grid its own way too, as the page does.
    from model.sample import main as sample
    sample([str(tmp_path / "student" / "ema.pt"), "--out", str(tmp_path / "grid.png"), "--per-class", "2",
            "--scale", "1"])
    net, diffusion = checkpoint.ema_network(checkpoint.load(str(tmp_path / "student" / "ema.pt")))
    own = generate_images(net, diffusion, grid_labels(net.config.num_classes, 2, False), 3, "ddim", 1.0,
                          guidance_interval=None, timesteps=[float(t) for t in generate["timesteps"]])
    save_grid(own, str(tmp_path / "own.png"), columns=2, scale=1)
    assert (tmp_path / "grid.png").read_bytes() == (tmp_path / "own.png").read_bytes()
