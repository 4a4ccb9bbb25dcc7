#!/usr/bin/env python3
"""Byte-level tokenizer: text file -> uint16 token ids (nanoGPT train.bin style).

    .venv/bin/python examples/text_to_tokens.py input.txt -o tokens.bin

Each input byte becomes one little-endian uint16 token id in [0, 256), so the
vocabulary size is 256.  The output is raw (no header), written atomically.
"""

import argparse
import os
import struct
import sys
import tempfile


def main(argv=None):
    ap = argparse.ArgumentParser(description="Convert a text file to uint16 byte tokens.")
    ap.add_argument("input", help="input file (read as raw bytes)")
    ap.add_argument("-o", "--output", required=True, help="output .bin path")
    args = ap.parse_args(argv)

    try:
        with open(args.input, "rb") as f:
            data = f.read()
    except OSError as e:
        print(f"text_to_tokens.py: error: cannot read {args.input}: {e.strerror}", file=sys.stderr)
        return 2
    if not data:
        print(f"text_to_tokens.py: error: {args.input} is empty; nothing to tokenize",
              file=sys.stderr)
        return 2

    # '<' forces little-endian regardless of the host; 'H' is uint16.
    out = struct.pack(f"<{len(data)}H", *data)
    directory = os.path.dirname(os.path.abspath(args.output))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".bin", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(out)
        os.replace(tmp, args.output)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    print(f"wrote {len(data)} tokens (vocab 256, uint16 LE) to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
