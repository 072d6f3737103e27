"""Golden vectors for web/src/diffusion/restore.ts:
`python -m model.restore_golden test/fixtures/restore-golden.json`.

As for the samplers (`model.golden`), the "network" is the exact noise predictor of toy Gaussian
data, so the degradation operator, its pseudo-inverse, the DDNM(+)/RePaint loop, the tiles and the
noise-level estimate are compared with no ONNX in the loop (model/parity/restore.py).
"""
from __future__ import annotations

import argparse
import json
from typing import Optional

from .parity.restore import golden


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.restore_golden", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="JSON file to write, e.g. test/fixtures/restore-golden.json")
    args = parser.parse_args(argv)
    with open(args.out, "w") as f:
        json.dump(golden(), f)


if __name__ == "__main__":
    main()
