"""Copies a zip archive, flipping one bit in the data of the first entry
whose name ends with SUFFIX (its CRC-32 left as it was; a deflated entry
has a bit of its compressed stream flipped).

    flip_zip_byte.py IN OUT SUFFIX
"""

import shutil
import struct
import sys
import zipfile


def main():
    src, dst, suffix = sys.argv[1:4]
    shutil.copyfile(src, dst)
    with zipfile.ZipFile(src) as archive:
        entry = next(i for i in archive.infolist() if i.filename.endswith(suffix))
    with open(dst, "r+b") as f:
        f.seek(entry.header_offset + 26)
        name_size, extra_size = struct.unpack("<HH", f.read(4))
        at = entry.header_offset + 30 + name_size + extra_size + entry.compress_size // 2
        f.seek(at)
        byte = f.read(1)[0]
        f.seek(at)
        f.write(bytes([byte ^ 0x10]))


if __name__ == "__main__":
    main()
