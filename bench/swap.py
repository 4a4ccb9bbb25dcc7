"""The swap engine's sequential write and read bandwidth against fio's on the
same disk, in the same run: dsc-swap-bench (SwapEngine: io_uring, O_DIRECT,
one file) and fio (--direct=1 --ioengine=io_uring, the same file size,
block size and queue depth) take turns, --repeat rounds each, and the best
of each side counts; the ratio (goal: at least 0.9) is what to read on a
shared machine. Also the engine with a buffer off the direct-I/O alignment,
where every block goes through the bounce buffers (one memcpy each).

  .venv/bin/python bench/swap.py [--dir build/swap-bench] [--size-mib 512]
      [--block-kib 1024] [--depth 32] [--repeat 5] [--build build]

fio comes from Debian's package (scripts/install-deps.sh installs it).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def engine(bench, args, offset=0):
    # Two rounds, the better counts: the first write fills a freshly
    # preallocated file (ext4 converts its unwritten extents), the second
    # overwrites, as a run does every step after the first (and as fio's
    # rounds after the first do on its file).
    out = subprocess.run([bench, "--dir", args.dir, "--size", str(args.size_mib << 20),
                          "--block", str(args.block_kib << 10), "--depth", str(args.depth),
                          "--repeat", "2", "--offset", str(offset)],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["write_mib_s"], r["read_mib_s"]


def fio(args, rw):
    path = os.path.join(args.dir, "fio.bin")
    out = subprocess.run(["fio", "--name=seq", f"--filename={path}",
                          f"--size={args.size_mib}M", f"--bs={args.block_kib}k",
                          f"--iodepth={args.depth}", f"--rw={rw}", "--direct=1",
                          "--ioengine=io_uring", "--output-format=json"],
                         check=True, capture_output=True, text=True).stdout
    job = json.loads(out)["jobs"][0]
    return job[rw]["bw"] / 1024  # KiB/s -> MiB/s


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default=os.path.join(ROOT, "build", "swap-bench"))
    p.add_argument("--size-mib", type=int, default=512)
    p.add_argument("--block-kib", type=int, default=1024)
    p.add_argument("--depth", type=int, default=32)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    bench = os.path.join(args.build, "bin", "dsc-swap-bench")
    if not os.path.exists(bench):
        sys.exit(f"{bench} is missing: build the project first")
    if not shutil.which("fio"):
        sys.exit("fio is missing: apt-get install fio (scripts/install-deps.sh does)")
    os.makedirs(args.dir, exist_ok=True)
    best = {"dsc write": 0.0, "dsc read": 0.0, "fio write": 0.0, "fio read": 0.0,
            "dsc bounced write": 0.0, "dsc bounced read": 0.0}
    try:
        for _ in range(args.repeat):
            w, r = engine(bench, args)
            best["dsc write"] = max(best["dsc write"], w)
            best["dsc read"] = max(best["dsc read"], r)
            best["fio write"] = max(best["fio write"], fio(args, "write"))
            best["fio read"] = max(best["fio read"], fio(args, "read"))
            w, r = engine(bench, args, offset=1)
            best["dsc bounced write"] = max(best["dsc bounced write"], w)
            best["dsc bounced read"] = max(best["dsc bounced read"], r)
    finally:
        shutil.rmtree(args.dir, ignore_errors=True)
    print(f"{args.size_mib} MiB, blocks of {args.block_kib} KiB, queue depth {args.depth}, "
          f"best of {args.repeat}, on {args.dir}")
    print(f"{'':8} {'dsc MiB/s':>10} {'fio MiB/s':>10} {'ratio':>6} {'bounced':>10} {'ratio':>6}")
    for rw in ("write", "read"):
        d, f, b = best[f"dsc {rw}"], best[f"fio {rw}"], best[f"dsc bounced {rw}"]
        print(f"{rw:8} {d:10.1f} {f:10.1f} {d / f:6.2f} {b:10.1f} {b / f:6.2f}")


if __name__ == "__main__":
    main()
