"""Copies a safetensors file, setting one integer element of one tensor.

  set_tensor_element.py IN OUT NAME INDEX VALUE

Plain bytes and json (no torch, no safetensors package): the header is a
little-endian u64 length and a JSON object of {name: {dtype, shape,
data_offsets}}, data offsets relative to the end of the header.
"""

import json
import struct
import sys

SIZES = {"I64": ("<q", 8), "I32": ("<i", 4), "I16": ("<h", 2), "U8": ("<B", 1)}


def main():
    src, dst, name, index, value = sys.argv[1:6]
    data = bytearray(open(src, "rb").read())
    (header_size,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8:8 + header_size])
    entry = header[name]
    fmt, size = SIZES[entry["dtype"]]
    offset = 8 + header_size + entry["data_offsets"][0] + int(index) * size
    struct.pack_into(fmt, data, offset, int(value))
    open(dst, "wb").write(data)
    print(offset)


if __name__ == "__main__":
    main()
