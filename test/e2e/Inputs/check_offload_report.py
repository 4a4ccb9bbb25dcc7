"""Checks what --offload-optimizer nvme takes out of memory, from ds-compile's
reports of the same step with and without it: the optimizer state left in
memory is the integer state only (the step counter, `--int-state` bytes),
and the planned bytes fall by the floating-point state moved to swap files,
less at most `--held` tensors of the largest parameter (from the weights
file; fp32): synchronous transfers (--held 2) hold what one update holds in
the arena while it runs, its two reloaded moments, which it updates in
place; overlapped ones (--held 6) also the reads and the writes in flight,
at most twice the largest transfer each way. The report's `offload` entry
gives the moved bytes as on NVMe (or in host memory with --space host),
read and written once per step, two
transfers per swapped tensor, and the transfers' predicted time split into
exposed and hidden: all exposed with --synchronous, some hidden otherwise.

  check_offload_report.py with.json without.json weights --int-state BYTES
      [--held N] [--synchronous] [--space nvme|host]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import safetensors_io  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("offloaded")
    ap.add_argument("resident")
    ap.add_argument("weights")
    ap.add_argument("--int-state", type=int, required=True)
    ap.add_argument("--held", type=int, default=2)
    ap.add_argument("--synchronous", action="store_true")
    ap.add_argument("--space", choices=["nvme", "host"], default="nvme")
    a = ap.parse_args()
    off = json.load(open(a.offloaded))["memory"]
    on = json.load(open(a.resident))["memory"]
    largest = max(t.numel() * 4 for t in safetensors_io.load(a.weights).values())
    moved = on["persistent_bytes"]["optimizer_state"] - a.int_state
    drop = on["planned_bytes"] - off["planned_bytes"]
    errors = []
    if off["persistent_bytes"]["optimizer_state"] != a.int_state:
        errors.append(f"{off['persistent_bytes']['optimizer_state']} bytes of state in "
                      f"memory, expected {a.int_state}")
    swap = json.load(open(a.offloaded))["offload"]
    other = "host" if a.space == "nvme" else "nvme"
    if not (swap[f"{a.space}_bytes_per_rank"] == moved and swap[f"{other}_bytes_per_rank"] == 0
            and swap["read_bytes_per_step"] == moved
            and swap["written_bytes_per_step"] == moved):
        errors.append(f"offload report {swap}, expected {moved} bytes in {a.space}, read "
                      "and written per step")
    if swap["transfers_per_step"] != 2 * swap[f"{a.space}_tensors"]:
        errors.append(f"{swap['transfers_per_step']} transfers per step for "
                      f"{swap[f'{a.space}_tensors']} offloaded tensors")
    total, exposed, hidden = (swap["transfer_seconds"], swap["exposed_seconds"],
                              swap["hidden_seconds"])
    if not (total > 0 and abs(exposed + hidden - total) <= 1e-9 * total
            and (hidden == 0 if a.synchronous else 0 < hidden < total)):
        errors.append(f"transfers take {total} s: {exposed} exposed, {hidden} hidden")
    bound = moved - a.held * largest
    if not bound <= drop <= moved:
        errors.append(f"planned {on['planned_bytes']} -> {off['planned_bytes']} bytes: "
                      f"{drop} fewer, expected between {bound} and {moved}")
    print(f"state moved to {a.space}: {moved} bytes; planned {on['planned_bytes']} -> "
          f"{off['planned_bytes']} ({drop} fewer; largest parameter {largest} bytes); "
          f"transfers {total:.4g} s, {hidden:.4g} s hidden")
    if errors:
        sys.exit("\n".join(errors))


if __name__ == "__main__":
    main()
