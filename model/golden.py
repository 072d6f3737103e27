"""Golden vectors for the TypeScript diffusion maths: `python -m model.golden [test/fixtures]`.

Writes sampler-golden.json (samplers, schedules, step spacing) and restore-golden.json (the
degradation operators, DDNM(+)/RePaint, tiles, the noise-level estimate). The "network" is the exact
noise predictor of toy Gaussian data, which both languages can compute, so the maths is compared
with no ONNX in the loop (model/golden_cases/).
"""
from __future__ import annotations

import argparse
import json
import os
from typing import Optional

from .golden_cases import restore, samplers

FIXTURES = {"sampler-golden.json": samplers.golden, "restore-golden.json": restore.golden}


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.golden", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?", default="test/fixtures", help="folder to write both files into")
    args = parser.parse_args(argv)
    for name, golden in FIXTURES.items():
        with open(os.path.join(args.out_dir, name), "w") as f:
            json.dump(golden(), f)


if __name__ == "__main__":
    main()
