"""Step time and memory with the optimizer state in device memory (none), in
host memory (--offload-optimizer cpu) and on NVMe (nvme, overlapped by the
cost model, and nvme with --overlap-transfers=false), and with the
activations in host memory or on NVMe (act cpu, act nvme), the parameters
likewise (params cpu, params nvme), and with the optimizer updates run
beside the backward (upd: ds-compile --overlap-updates), and with ATen's
fused AdamW kernel (fused: ds-compile --fused-optimizer), and with the
updates on the host's state (host: ds-compile --host-updates), on one CPU
rank,
in the same run: planned bytes (ds-compile's), the report's predicted transfer
time and how much of it compute hides, and ds-run's step time (median of
all steps but the first) with the ratio to none, the transfers over before
their wait and the time spent waiting (ds-run --profile), and for upd the
updates over before the first instruction that waits for one and the time
spent waiting for them. A GPT-2 whose
optimizer state outweighs its activations (vocabulary 8192, width 256, 4
layers: 5.3M parameters, 42 MB of AdamW state) at batch 4 x 64. The swap
directory is --nvme-dir (default: under build/, on the build's disk). On a
shared machine read the ratios; on this project's VM the disk's speed
swings 4x from minute to minute (docs/offload.md).

  .venv/bin/python bench/offload.py [--batch 4] [--seq 64] [--steps 6]
      [--repeat 2] [--nvme-dir build/offload-bench] [--build build]
      [--targets none cpu ...]
"""

import argparse
import json
import os
import shutil
import statistics
import tempfile

from zero import CONFIG, ROOT, export_model, run  # the same model

TARGETS = {
    "none": [],
    "cpu": ["--offload-optimizer", "cpu"],
    "nvme": ["--offload-optimizer", "nvme"],
    "nvme sync": ["--offload-optimizer", "nvme", "--overlap-transfers=false"],
    "act cpu": ["--offload-activations", "cpu"],
    "act nvme": ["--offload-activations", "nvme"],
    "params cpu": ["--offload-params", "cpu"],
    "params nvme": ["--offload-params", "nvme"],
    "none upd": ["--overlap-updates"],
    "cpu upd": ["--offload-optimizer", "cpu", "--overlap-updates"],
    "nvme upd": ["--offload-optimizer", "nvme", "--overlap-updates"],
    "none fused": ["--fused-optimizer"],
    "cpu fused": ["--offload-optimizer", "cpu", "--fused-optimizer"],
    "none upd fused": ["--overlap-updates", "--fused-optimizer"],
    "nvme upd fused": ["--offload-optimizer", "nvme", "--overlap-updates",
                       "--fused-optimizer"],
    "cpu host": ["--offload-optimizer", "cpu", "--host-updates"],
    "cpu host upd": ["--offload-optimizer", "cpu", "--host-updates",
                     "--overlap-updates"],
    "params cpu host": ["--offload-optimizer", "cpu", "--offload-params", "cpu",
                        "--host-updates"],
}
MiB = 1024 * 1024


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--repeat", type=int, default=2,
                   help="rounds over the targets; the fastest round of each counts")
    p.add_argument("--nvme-dir", default=os.path.join(ROOT, "build", "offload-bench"))
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--targets", nargs="+", choices=list(TARGETS), default=list(TARGETS),
                   help="the rows to run (none, the baseline, always)")
    a = p.parse_args()
    targets = {name: TARGETS[name] for name in TARGETS
               if name == "none" or name in a.targets}
    tool = lambda name: os.path.join(a.build, "bin", name)  # noqa: E731
    os.makedirs(a.nvme_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        mlir, weights, inputs = export_model(d, a.batch, a.seq, a.build)
        reports = {}
        for name, flags in targets.items():
            stem = os.path.join(d, name.replace(" ", "-"))
            run([tool("ds-compile"), mlir, "-o", stem + ".plan", "--report", stem + ".json",
                 "--kernel-threads", "1"] + flags)
            reports[name] = json.load(open(stem + ".json"))
        best = {}
        for _ in range(a.repeat):
            for name in targets:
                stem = os.path.join(d, name.replace(" ", "-"))
                err = run([tool("ds-run"), stem + ".plan", "--weights", weights,
                           "--inputs", inputs, "--threads", "1", "--steps", str(a.steps),
                           "--nvme-path", a.nvme_dir, "--profile", stem + ".profile"],
                          capture_output=True, text=True).stderr
                # Progress lines: "step i/n  loss L  T ms".
                ms = [float(line.split()[-2]) for line in err.splitlines()
                      if line.startswith("step ") and line.endswith(" ms")]
                step = statistics.median(ms[1:] if len(ms) > 1 else ms)
                profile = json.load(open(stem + ".profile"))
                if name not in best or step < best[name][0]:
                    best[name] = (step, profile.get("swap", {}), profile.get("beside", {}))
        shutil.rmtree(a.nvme_dir, ignore_errors=True)
    print(f"gpt2 {CONFIG} batch {a.batch} x {a.seq}, one rank, AdamW, {a.steps} steps, "
          f"best of {a.repeat}")
    print(f"{'offload':<14} {'planned':>8} {'moved':>6} {'xfer ms':>8} {'hidden':>7} "
          f"{'step ms':>8} {'vs none':>7} {'over at wait':>12} {'wait ms':>8} "
          f"{'upd over':>8} {'upd wait ms':>11}"
          "   (MiB; predicted on the cpu preset, measured here)")
    base = best["none"][0]
    for name in targets:
        r = reports[name]
        off = r["offload"]
        step, swap, beside = best[name]
        moved = (off["nvme_bytes_per_rank"] + off["host_bytes_per_rank"]) / MiB
        waits = (f"{swap['complete_at_wait_per_step']:.0f}/{swap['transfers_per_step']:.0f}"
                 if swap else "-")
        wait_ms = f"{swap['wait_seconds'] * 1e3:8.1f}" if swap else f"{'-':>8}"
        upd = (f"{beside['done_at_wait_per_step']:.0f}/{beside['waits_per_step']:.0f}"
               if beside else "-")
        upd_ms = f"{beside['wait_seconds'] * 1e3:11.1f}" if beside else f"{'-':>11}"
        print(f"{name:<14} {r['memory']['planned_bytes'] / MiB:8.1f} {moved:6.1f} "
              f"{off['transfer_seconds'] * 1e3:8.2f} {off['hidden_seconds'] * 1e3:7.2f} "
              f"{step:8.1f} {step / base:7.2f} {waits:>12} {wait_ms} {upd:>8} {upd_ms}")


if __name__ == "__main__":
    main()
