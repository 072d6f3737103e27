"""Convert an fp32 ONNX graph to compute in fp16, keeping its fp32 inputs and outputs.

The timestep features must stay in fp32: sin(t * f) for t up to 1000 needs more than fp16's
11 bits of mantissa. So every node upstream of a Sin or Cos keeps fp32, everything else runs in
fp16, and Cast nodes sit on the boundaries. Inputs that the ONNX spec types as float32 whatever
the data type (Resize's roi and scales) are left alone.
"""
from __future__ import annotations

import numpy as np
from onnx import helper, numpy_helper
# Debian's onnx 1.12 (CI) ships these generated protobuf classes without the stubs that PyPI's wheels have.
from onnx import GraphProto, ModelProto, NodeProto, TensorProto  # pyright: ignore[reportAttributeAccessIssue]

KEEP_FP32_UPSTREAM_OF = ("Sin", "Cos")
FP32_ONLY_INPUTS = {"Resize": (1, 2)}


def _fp32_region(graph: GraphProto) -> set[int]:
    """Indices of the nodes that must compute in fp32: the Sin/Cos nodes and all their ancestors."""
    producer = {out: i for i, node in enumerate(graph.node) for out in node.output}
    region: set[int] = set()
    stack = [i for i, node in enumerate(graph.node) if node.op_type in KEEP_FP32_UPSTREAM_OF]
    while stack:
        i = stack.pop()
        if i in region:
            continue
        region.add(i)
        stack.extend(producer[name] for name in graph.node[i].input if name in producer)
    return region


def _to_fp16(tensor: TensorProto, name: str) -> TensorProto:
    return numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float16), name)


def convert_to_fp16(model: ModelProto) -> ModelProto:
    model = ModelProto.FromString(model.SerializeToString())  # never modify the caller's graph
    graph = model.graph
    fp32_nodes = _fp32_region(graph)
    initializers = {t.name: t for t in graph.initializer}
    constants = {node.output[0]: node for node in graph.node if node.op_type == "Constant"}
    float_inputs = {i.name for i in graph.input if i.type.tensor_type.elem_type == TensorProto.FLOAT}
    fp32_outputs = {out for i in fp32_nodes for out in graph.node[i].output}
    half_names: dict[str, str] = {}  # fp32 tensor name -> its fp16 counterpart
    new_initializers: list[TensorProto] = []
    casts: list[NodeProto] = []

    def half_of(name: str) -> str:
        if name in half_names:
            return half_names[name]
        half = f"{name}__fp16"
        if name in initializers and initializers[name].data_type == TensorProto.FLOAT:
            new_initializers.append(_to_fp16(initializers[name], half))
        elif name in constants and constants[name].attribute[0].t.data_type == TensorProto.FLOAT:
            new_initializers.append(_to_fp16(constants[name].attribute[0].t, half))
        elif name in float_inputs or name in fp32_outputs:
            casts.append(helper.make_node("Cast", [name], [half], to=TensorProto.FLOAT16, name=f"{half}_cast"))
        else:
            return name  # not a float32 tensor (ints, shapes, or already fp16 downstream)
        half_names[name] = half
        return half

    for i, node in enumerate(graph.node):
        if i in fp32_nodes or node.op_type == "Constant":
            continue
        keep = FP32_ONLY_INPUTS.get(node.op_type, ())
        for j, name in enumerate(node.input):
            if name and j not in keep:
                node.input[j] = half_of(name)
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
            if node.op_type == "ConstantOfShape" and attr.name == "value" and attr.t.data_type == TensorProto.FLOAT:
                attr.t.CopyFrom(_to_fp16(attr.t, attr.t.name))

    # Graph outputs keep their names and fp32 type: the fp16 result is cast back at the very end.
    producers = {out: node for node in graph.node for out in node.output}
    for output in graph.output:
        if output.type.tensor_type.elem_type == TensorProto.FLOAT and output.name not in fp32_outputs:
            half = f"{output.name}__fp16"
            node = producers[output.name]
            node.output[list(node.output).index(output.name)] = half
            casts.append(helper.make_node("Cast", [half], [output.name], to=TensorProto.FLOAT, name=f"{half}_cast"))

    graph.initializer.extend(new_initializers)
    used = {name for node in list(graph.node) + casts for name in node.input}
    kept_initializers = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept_initializers)
    kept_nodes = [n for n in graph.node if not (n.op_type == "Constant" and n.output[0] not in used)]
    del graph.node[:]
    graph.node.extend(_topological(kept_nodes + casts, graph))
    del graph.value_info[:]
    return model


def _topological(nodes: list[NodeProto], graph: GraphProto) -> list[NodeProto]:
    """Order nodes so every input is produced before use (ONNX requires it)."""
    available = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    ordered: list[NodeProto] = []
    pending = list(nodes)
    while pending:
        waiting = []
        for node in pending:
            if all(name in available for name in node.input):
                ordered.append(node)
                available.update(node.output)
            else:
                waiting.append(node)
        if len(waiting) == len(pending):
            raise ValueError("fp16 conversion produced a graph with a cycle or a missing input")
        pending = waiting
    return ordered
