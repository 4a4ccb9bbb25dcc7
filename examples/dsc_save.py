"""Saves a traced model for ds-import together with its example inputs' shapes.

TorchScript files do not keep the shapes tracing saw; ds-import needs them.
`save(traced, path, {"tokens": tokens, "labels": labels})` writes the archive
with an extra file `dsc_inputs.json` recording each input's name, shape and
dtype, in forward's argument order.
"""

import json
import os
import re

import torch

_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
    torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
    torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


# Ops whose float result never requires a gradient, whatever their inputs.
_NO_GRADIENT = {"aten::detach", "aten::detach_", "aten::zeros_like", "aten::ones_like",
                "aten::full_like", "aten::empty_like", "aten::rand_like", "aten::randn_like",
                "aten::randint_like", "aten::new_zeros", "aten::new_ones", "aten::new_full",
                "aten::new_empty", "aten::new_tensor"}

# Inputs an op reads only for their shape or dtype (`x.expand_as(h)`): a
# gradient reaching them does not flow into the result.
_SHAPE_ONLY = {"aten::expand_as": (1,), "aten::view_as": (1,), "aten::reshape_as": (1,),
               "aten::type_as": (1,)}


def _requires_grad(value, module):
    """What tracing recorded of `value`'s requires_grad, or the attribute's
    own flag for a parameter read by prim::GetAttr; None when unknown."""
    t = value.type()
    # An unrefined `Tensor` (a GetAttr's) answers True: trust only the types
    # tracing recorded, which know their dtype.
    if isinstance(t, torch._C.TensorType) and t.scalarType() is not None:
        return t.requires_grad()
    path, node = [], value.node()
    while node.kind() == "prim::GetAttr":
        path.append(node.s("name"))
        node = node.input().node()
    if not path or node.kind() != "prim::Param":
        return None
    obj = module
    for name in reversed(path):
        obj = getattr(obj, name, None)
    return obj.requires_grad if isinstance(obj, torch.Tensor) else None


def _user_line(node):
    """The innermost frame of `node`'s trace outside torch itself, as
    file:line."""
    torch_dir = os.path.dirname(torch.__file__)
    for frame in node.sourceRange().splitlines():
        match = re.match(r"(.*)\((\d+)\): ", frame)
        if match and not match.group(1).startswith(torch_dir):
            return f"{match.group(1)}:{match.group(2)}"
    return "an unknown line"


# Ops the tracer records beneath autograd: their outputs' types never say
# requires_grad (aten::_convolution, under convolution's own backward).
# Their users' outputs tell instead, also through the pieces of a split
# (Pixtral's patch embeddings unbound per image: aten::unbind, then
# prim::ListUnpack); not through a list that other tensors join.
_BELOW_AUTOGRAD = {"aten::_convolution"}
_SPLITS = {"aten::unbind", "aten::split", "aten::split_with_sizes", "aten::chunk",
           "aten::tensor_split", "aten::unsafe_split", "aten::unsafe_chunk"}


def _records_gradient(node, out):
    """Whether tracing recorded that `out` (of `node`) requires grad."""
    if node.kind() not in _BELOW_AUTOGRAD:
        return out.type().requires_grad()
    pending = [out]
    while pending:
        value = pending.pop()
        for use in value.uses():
            for result in use.user.outputs():
                t = result.type()
                if isinstance(t, torch._C.TensorType):
                    if t.requires_grad():
                        return True
                elif (isinstance(t, torch._C.ListType) and value is out
                      and use.user.kind() in _SPLITS):
                    pending.append(result)
    return False


def check_no_grad_regions(traced):
    """Raises ValueError naming the source line of the first op that tracing
    recorded without a gradient although a parameter reaches it: the sign of
    a torch.no_grad() region, which a TorchScript file does not keep (so the
    compiled step would differentiate through it)."""
    for node in traced.inlined_graph.nodes():
        if node.kind() in _NO_GRADIENT:
            continue
        for out in node.outputs():
            t = out.type()
            if (not isinstance(t, torch._C.TensorType) or t.dtype() is None
                    or not t.dtype().is_floating_point or _records_gradient(node, out)):
                continue
            shape_only = _SHAPE_ONLY.get(node.kind(), ())
            if any(_requires_grad(v, traced) for i, v in enumerate(node.inputs())
                   if i not in shape_only):
                raise ValueError(
                    f"'{node.kind()}' at {_user_line(node)} runs under torch.no_grad() (or another "
                    "way of switching gradients off) inside forward: a TorchScript file "
                    "does not keep that, so dsc would differentiate through it; use "
                    ".detach() on the value instead")


def save(traced, path, inputs):
    """Saves `traced` to `path`; `inputs` maps forward's argument names to the
    example tensors it was traced with, in order. Refuses (ValueError) a
    model whose forward switches gradients off (check_no_grad_regions)."""
    check_no_grad_regions(traced)
    spec = {"inputs": [{"name": name, "shape": list(t.shape),
                        "dtype": _DTYPES[t.dtype]} for name, t in inputs.items()]}
    torch.jit.save(traced, path, _extra_files={"dsc_inputs.json": json.dumps(spec)})
