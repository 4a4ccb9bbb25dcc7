"""Saves a traced model for ds-import together with its example inputs' shapes.

TorchScript files do not keep the shapes tracing saw; ds-import needs them.
`save(traced, path, {"tokens": tokens, "labels": labels})` writes the archive
with an extra file `dsc_inputs.json` recording each input's name, shape and
dtype, in forward's argument order.
"""

import json

import torch

_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
    torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
    torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


def save(traced, path, inputs):
    """Saves `traced` to `path`; `inputs` maps forward's argument names to the
    example tensors it was traced with, in order."""
    spec = {"inputs": [{"name": name, "shape": list(t.shape),
                        "dtype": _DTYPES[t.dtype]} for name, t in inputs.items()]}
    torch.jit.save(traced, path, _extra_files={"dsc_inputs.json": json.dumps(spec)})
