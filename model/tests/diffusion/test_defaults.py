import json

import pytest

from model.diffusion.defaults import DEFAULTS, GenerateDefaults, RestoreDefaults, SamplingDefaults


def test_defaults_survive_the_trip_through_json():
    unguided = SamplingDefaults(GenerateDefaults("ddim", 12, 1.0, None), RestoreDefaults(30, 1),
                                RestoreDefaults(10, 2), RestoreDefaults(25, 3), 0.0)
    student = SamplingDefaults(GenerateDefaults("ddim", 3, 1.0, None, (991, 470, 55)))
    for defaults in (DEFAULTS, unguided, student):
        assert SamplingDefaults.from_json(json.loads(json.dumps(defaults.to_json()))) == defaults


def test_the_json_has_the_manifests_shape():
    assert DEFAULTS.to_json() == {
        "generate": {"sampler": "dpmpp_3m", "steps": 10, "guidance": 1.5, "guidance_interval": [0.2, 10.0]},
        "restore": {"steps": 50, "resample": 2}, "restore_photo": {"steps": 10, "resample": 1},
        "enlarge_photo": {"steps": 14, "resample": 1}, "ddnm_eta": 0.85}


def test_a_record_from_before_enlargements_had_defaults_enlarges_at_the_photo_defaults():
    old = DEFAULTS.to_json()
    del old["enlarge_photo"]
    old["restore_photo"] = {"steps": 20, "resample": 2}
    read = SamplingDefaults.from_json(old)
    assert read.enlarge_photo == read.restore_photo == RestoreDefaults(20, 2)
    assert read.to_json()["enlarge_photo"] == {"steps": 20, "resample": 2}  # an export writes it out


def test_only_a_student_names_its_timesteps():
    assert "timesteps" not in DEFAULTS.to_json()["generate"]
    student = SamplingDefaults(GenerateDefaults("ddim", 3, 1.0, None, (991, 470, 55)))
    assert student.to_json()["generate"]["timesteps"] == [991, 470, 55]


def test_a_model_with_few_timesteps_gets_step_counts_it_has():
    fitted = DEFAULTS.within(12)
    assert (fitted.generate.steps, fitted.restore.steps, fitted.restore_photo.steps,
            fitted.enlarge_photo.steps) == (10, 12, 10, 12)
    assert fitted.restore.resample == DEFAULTS.restore.resample and DEFAULTS.within(1000) == DEFAULTS


def test_defaults_of_another_shape_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="not in the manifest's shape"):
        SamplingDefaults.from_json({"generate": {"steps": 8}})
