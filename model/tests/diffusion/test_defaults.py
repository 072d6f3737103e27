import json

import pytest

from model.diffusion.defaults import DEFAULTS, GenerateDefaults, RestoreDefaults, SamplingDefaults


def test_defaults_survive_the_trip_through_json():
    unguided = SamplingDefaults(GenerateDefaults("ddim", 12, 1.0, None), RestoreDefaults(30, 1),
                                RestoreDefaults(10, 2), 0.0)
    student = SamplingDefaults(GenerateDefaults("ddim", 3, 1.0, None, (991, 470, 55)))
    for defaults in (DEFAULTS, unguided, student):
        assert SamplingDefaults.from_json(json.loads(json.dumps(defaults.to_json()))) == defaults


def test_the_json_has_the_manifests_shape():
    assert DEFAULTS.to_json() == {
        "generate": {"sampler": "dpmpp_3m", "steps": 10, "guidance": 1.5, "guidance_interval": [0.2, 10.0]},
        "restore": {"steps": 50, "resample": 2}, "restore_photo": {"steps": 20, "resample": 1}, "ddnm_eta": 0.85}


def test_only_a_student_names_its_timesteps():
    assert "timesteps" not in DEFAULTS.to_json()["generate"]
    student = SamplingDefaults(GenerateDefaults("ddim", 3, 1.0, None, (991, 470, 55)))
    assert student.to_json()["generate"]["timesteps"] == [991, 470, 55]


def test_a_model_with_few_timesteps_gets_step_counts_it_has():
    fitted = DEFAULTS.within(30)
    assert (fitted.generate.steps, fitted.restore.steps, fitted.restore_photo.steps) == (10, 30, 20)
    assert fitted.restore.resample == DEFAULTS.restore.resample and DEFAULTS.within(1000) == DEFAULTS


def test_defaults_of_another_shape_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="not in the manifest's shape"):
        SamplingDefaults.from_json({"generate": {"steps": 8}})
