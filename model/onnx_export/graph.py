"""The network as an ONNX graph for the browser: x float32[B,C,H,W], t float32[B], class_labels int32[B]
-> out float32[B,C,H,W] (eps or v, as the manifest says); opset 17; dynamic batch axis; no int64 inputs.
"""
from __future__ import annotations

import inspect
from typing import Any

import onnx.checker
import torch
# Debian's onnx 1.12 (CI) ships these generated protobuf classes without the stubs that PyPI's wheels have.
from onnx import ModelProto, TensorProto  # pyright: ignore[reportAttributeAccessIssue]

from ..networks.unet import UNet, UNetConfig

OPSET = 17
INPUT_NAMES = ["x", "t", "class_labels"]
OUTPUT_NAME = "out"
# Each variant's file in an export directory: fp16 for WebGPU, int8 for WASM (int8.py).
FILES = {"fp32": "model.onnx", "fp16": "model.fp16.onnx", "int8": "model.int8.onnx"}


class ExportError(RuntimeError):
    pass


def export_onnx(net: UNet, path: str) -> None:
    config = net.config
    example = (torch.zeros(2, config.in_channels, config.image_size, config.image_size),
               torch.tensor([10.0, 500.0]), torch.tensor([0, config.num_classes], dtype=torch.int32))
    batch_axis = {0: "batch"}
    options: dict[str, Any] = {}
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        options["dynamo"] = False  # the TorchScript exporter: the same graph on PyTorch 1.13 and 2.x
    torch.onnx.export(net, example, path, opset_version=OPSET, input_names=INPUT_NAMES, output_names=[OUTPUT_NAME],
                      dynamic_axes={name: batch_axis for name in INPUT_NAMES + [OUTPUT_NAME]},
                      do_constant_folding=True, **options)


def interface(config: UNetConfig) -> dict[str, Any]:
    """The graph's inputs and output as the manifest's `onnx` declares them ("batch" is the dynamic axis)."""
    image = ["batch", config.in_channels, config.image_size, config.image_size]
    x, t, class_labels = INPUT_NAMES
    return {"opset": OPSET,
            "inputs": [{"name": x, "dtype": "float32", "shape": image},
                       {"name": t, "dtype": "float32", "shape": ["batch"]},
                       {"name": class_labels, "dtype": "int32", "shape": ["batch"]}],
            "outputs": [{"name": OUTPUT_NAME, "dtype": "float32", "shape": image}]}


def check_interface(model: ModelProto) -> None:
    """The graph must be valid ONNX and take no int64 inputs (WebGPU handles them badly)."""
    onnx.checker.check_model(model)
    for graph_input in model.graph.input:
        if graph_input.type.tensor_type.elem_type == TensorProto.INT64:
            raise ExportError(f"ONNX input {graph_input.name} is int64: the browser needs int32/float32 inputs")
    names = [i.name for i in model.graph.input]
    if names != INPUT_NAMES:
        raise ExportError(f"ONNX inputs are {names}, expected {INPUT_NAMES}")
