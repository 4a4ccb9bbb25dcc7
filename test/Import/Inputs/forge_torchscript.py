"""Copies a TorchScript archive, forged in one way that its CRC-32s cannot
catch, as a careless or hostile sender could:

    forge_torchscript.py IN OUT numel   data.pkl's first storage claims twice
                                        the elements its record data/<key> holds
    forge_torchscript.py IN OUT view    the first tensor's first size is 4
                                        times larger than its storage holds
    forge_torchscript.py IN OUT hide [SUFFIX]
                                        the first byte of the entry ending in
                                        SUFFIX (default /data/0) flipped, CRC
                                        left stale, and the end-of-directory
                                        record's entry counts set to 0 while
                                        the zip64 record keeps the true count
                                        (LibTorch's reader takes the latter);
                                        for .pt2 archives too
"""

import pickletools
import struct
import sys
import zipfile


def int_op(value):
    return b"J" + struct.pack("<i", value)


def first_storage_edit(pickle, mode):
    """(start, end, replacement) of the integer op to change."""
    ops = list(pickletools.genops(pickle))
    for i, (op, arg, pos) in enumerate(ops):
        if op.name != "BINPERSID":
            continue
        if mode == "numel":
            # ... 'cpu' numel TUPLE BINPERSID
            numel_op, numel, numel_pos = ops[i - 2]
            assert numel_op.name.startswith("BININT"), numel_op.name
            return numel_pos, ops[i - 1][2], int_op(2 * numel)
        # BINPERSID [BINPUT] offset MARK size0 ...
        j = i + 1
        while ops[j][0].name != "MARK":
            j += 1
        size_op, size, size_pos = ops[j + 1]
        assert size_op.name.startswith("BININT"), size_op.name
        return size_pos, ops[j + 2][2], int_op(4 * size)
    raise SystemExit("no storage in data.pkl")


def main():
    src, dst, mode = sys.argv[1:4]
    suffix = sys.argv[4] if len(sys.argv) > 4 else "/data/0"
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if mode in ("numel", "view") and info.filename.endswith("/data.pkl"):
                start, end, new = first_storage_edit(data, mode)
                data = data[:start] + new + data[end:]
            out.writestr(info, data)
    if mode != "hide":
        return
    # Python's zipfile writes no zip64 records for a small archive: rewrite
    # the copy with them, then flip the byte and zero the 16-bit counts.
    with open(dst, "rb") as f:
        blob = bytearray(f.read())
    eocd = blob.rindex(b"PK\x05\x06")
    count, = struct.unpack_from("<H", blob, eocd + 10)
    cd_size, cd_offset = struct.unpack_from("<II", blob, eocd + 12)
    zip64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0,
                        count, count, cd_size, cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, eocd, 1)
    end = bytearray(blob[eocd:])
    struct.pack_into("<HH", end, 8, 0, 0)
    blob = blob[:eocd] + zip64 + locator + end
    with zipfile.ZipFile(src) as archive:
        name = next(i.filename for i in archive.infolist()
                    if i.filename.endswith(suffix))
    local = blob.index(b"PK\x03\x04" + b"", blob.index(name.encode()) - 30)
    name_len, extra_len = struct.unpack_from("<HH", blob, local + 26)
    blob[local + 30 + name_len + extra_len] ^= 0x40
    with open(dst, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main()
