"""Golden vectors for the TypeScript samplers: `python -m model.golden test/fixtures/sampler-golden.json`.

The "network" is the exact noise predictor for data ~ N(mean, std^2), which both languages can
compute, so the samplers, schedules and step spacing are compared with no ONNX in the loop
(model/parity/samplers.py).
"""
from __future__ import annotations

import argparse
import json
from typing import Optional

from .parity.samplers import golden


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.golden", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="JSON file to write, e.g. test/fixtures/sampler-golden.json")
    args = parser.parse_args(argv)
    with open(args.out, "w") as f:
        json.dump(golden(), f)


if __name__ == "__main__":
    main()
