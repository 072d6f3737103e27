from model.evaluation.report import format_photos_table


def test_the_table_averages_over_photos_of_each_size():
    def run(photo: str, quality: float) -> dict:
        score = {"psnr": quality, "ssim": quality / 100}
        return {"photo": photo, "height": 32, "width": 32, "task": "hole", "damaged": score, "restored": score,
                "mean_of_candidates": score, "baselines": {"telea": score}, "wall_seconds": 2.0}

    table = format_photos_table({"steps": 20, "resample": 1, "candidates": 4, "tile": 32,
                                 "runs": [run("a", 20.0), run("b", 30.0)]})
    same = "25.00 / 0.250"
    assert f"| 32x32 | hole | 2 | {same} | telea {same} | {same} | {same} | 2.0 |  |" in table
    assert "(20 steps, resample 1; enlargements 20 steps, resample 1;" in table  # a record from before they differed
