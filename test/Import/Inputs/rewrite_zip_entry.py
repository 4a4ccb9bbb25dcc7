"""Copies a zip archive, replacing OLD by NEW in the entry whose name ends with
SUFFIX, with a correct CRC-32: an archive damaged (or written) on purpose,
which the checksums cannot catch.

    rewrite_zip_entry.py IN OUT SUFFIX OLD NEW
"""

import sys
import zipfile


def main():
    src, dst, suffix, old, new = sys.argv[1:6]
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(suffix):
                assert old.encode() in data, f"{old!r} is not in {info.filename}"
                data = data.replace(old.encode(), new.encode())
            out.writestr(info, data)


if __name__ == "__main__":
    main()
