"""Minimal, dependency-free reader/writer for the safetensors format.

Layout (https://github.com/huggingface/safetensors):
  * 8 bytes: little-endian u64 N, the length of the JSON header;
  * N bytes: UTF-8 JSON object
      {name: {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
       "__metadata__": {str: str}}          (metadata optional)
    padded with spaces so that the data section starts 8-byte aligned;
  * the tensor data, raw little-endian, row-major; offsets are relative to the
    start of the data section.

Only torch is needed (no safetensors / numpy dependency).
"""

import json
import os
import struct
import sys
import tempfile

import torch

# safetensors dtype string <-> torch dtype.  Note torch 1.13 has no uint16 /
# uint32 / uint64, so "U16"/"U32"/"U64" are loaded into the signed type of the
# same width (bit pattern preserved) and can only be written from it if asked.
_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_UNSIGNED_AS_SIGNED = {"U16": torch.int16, "U32": torch.int32, "U64": torch.int64}
_TORCH_TO_ST = {v: k for k, v in _DTYPES.items()}

_HEADER_SIZE_LIMIT = 100 * 1024 * 1024  # same sanity limit as the reference impl


def _tensor_bytes(t):
    """Raw little-endian bytes of a tensor (row-major)."""
    t = t.detach().to("cpu").contiguous()
    if t.numel() == 0:
        return b""
    # Reinterpret as bytes without going through numpy (bfloat16 has no numpy
    # dtype).  view(uint8) needs a >=1-d tensor.
    flat = t.reshape(-1)
    data = flat.view(torch.uint8).numpy().tobytes()
    if sys.byteorder != "little" and t.element_size() > 1:
        raise NotImplementedError("big-endian hosts are not supported")
    return data


def save(tensors, path, metadata=None):
    """Write {name: tensor} to `path` in safetensors format, atomically.

    Tensors are packed in the dict's iteration order.  `metadata` is an
    optional {str: str} dict stored under "__metadata__".
    """
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("safetensors metadata must be a dict of str -> str")
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if name == "__metadata__":
            raise ValueError("'__metadata__' is reserved and cannot be a tensor name")
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: expected a torch.Tensor, got {type(t).__name__}")
        if t.dtype not in _TORCH_TO_ST:
            raise TypeError(f"{name}: unsupported dtype {t.dtype}")
        data = _tensor_bytes(t)
        header[name] = {
            "dtype": _TORCH_TO_ST[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)

    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    # Pad with spaces so the data section is 8-byte aligned (8 + len % 8 == 0).
    hbytes += b" " * (-len(hbytes) % 8)

    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(hbytes)))
            f.write(hbytes)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def load_with_metadata(path):
    """Read a safetensors file; return ({name: tensor}, metadata_dict_or_None)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > _HEADER_SIZE_LIMIT or 8 + n > len(raw):
        raise ValueError(f"{path}: invalid header length {n}")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", None)

    out = {}
    for name, info in header.items():
        st_dtype = info["dtype"]
        dtype = _DTYPES.get(st_dtype) or _UNSIGNED_AS_SIGNED.get(st_dtype)
        if dtype is None:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {st_dtype}")
        shape = [int(s) for s in info["shape"]]
        begin, end = (int(o) for o in info["data_offsets"])
        numel = 1
        for s in shape:
            numel *= s
        itemsize = torch.empty((), dtype=dtype).element_size()
        if not (0 <= begin <= end <= len(data)) or end - begin != numel * itemsize:
            raise ValueError(f"{path}: tensor {name!r} has inconsistent data_offsets")
        if numel == 0:
            out[name] = torch.empty(shape, dtype=dtype)
            continue
        # bytearray gives a writable buffer, so the tensor owns its memory.
        buf = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.uint8)
        out[name] = buf.view(dtype).reshape(shape)
    return out, metadata


def load(path):
    """Read a safetensors file into {name: torch tensor} (file order)."""
    return load_with_metadata(path)[0]
