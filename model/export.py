"""Export a checkpoint's EMA weights to ONNX for the browser: `python -m model.export CKPT --out DIR`.

Writes `model.onnx` (fp32), `model.fp16.onnx`, `model.int8.onnx`, `manifest.json` (the contract with
the Worker and the page) and `parity.json` (inputs and PyTorch's outputs, and the int8 file's checks).
The ONNX interface: x float32[B,C,H,W], t float32[B], class_labels int32[B] -> out float32[B,C,H,W]
(eps or v, as the manifest says); opset 17; dynamic batch axis; no int64 inputs. Parity with PyTorch
is checked here with onnxruntime when Python has it, and always by the TypeScript tests and the
publish script with onnxruntime-node.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional

from .onnx_export.graph import ExportError
from .onnx_export.version import export
from .training import checkpoint


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m model.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="a checkpoint.pt from model.train, or shipped EMA weights (ema.pt)")
    parser.add_argument("--out", required=True, help="directory for the ONNX files, manifest and parity checks")
    parser.add_argument("--id", help="version id (default: <dataset>-<preset>-<kimg>kimg-<sha256 prefix>, "
                        "a student's <dataset>-student<steps>-<distilled kimg>kimg-<sha256 prefix>)")
    parser.add_argument("--name", help="human-readable name of the version")
    parser.add_argument("--metrics", help="a JSON file of evaluation metrics to put in the manifest")
    parser.add_argument("--teacher", help="for a distilled student: the version id it was distilled from "
                        "(the page offers that version one click away)")
    args = parser.parse_args(argv)
    try:
        metrics = json.load(open(args.metrics)) if args.metrics else {}
        manifest = export(args.checkpoint, args.out, args.id, args.name, metrics, args.teacher)
    except (checkpoint.CheckpointError, ExportError, OSError, ValueError) as e:  # JSONDecodeError is a ValueError
        sys.exit(f"error: {e}")
    sizes = ", ".join(f"{f['name']} {f['bytes'] / 1e6:.2f} MB" for f in manifest["files"])
    print(f"exported {manifest['id']} to {args.out}: {sizes}")


if __name__ == "__main__":
    main()
