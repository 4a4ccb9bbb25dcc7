"""ZeRO stages 0 to 3 on 4 CPU ranks (ds-run -n 4, Gloo over loopback),
stage 3 twice: without a budget, and "3b" within the bytes stage 2 plans,
where ds-compile prefetches and keeps parameters whole for the backward as
far as they fit. Per-rank model states (the report's model_states), planned and
measured peak per rank (ds-compile's planned bytes, ds-run
--memory-report's peak on rank 0), bytes sent in collectives per rank and
step, and the step time relative to stage 0 on the same mesh, for dp 4 and
dp 2 x sp 2. A GPT-2 whose optimizer state outweighs its activations
(vocabulary 8192, width 256, 4 layers: 5.3M parameters) at batch 8 x 64.
Step times are ds-run's own (median of all steps but the first); the
ratio is what to read on a shared machine. "async" is the step time with
ds-run --async-collectives=true (collectives on a thread of their own,
overlapping compute) relative to the same plan run in order.

  .venv/bin/python bench/zero.py [--meshes "--dp 4" "--dp 2 --sp 2"]
      [--batch 8] [--seq 64] [--steps 4] [--build build]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = {"n_layer": 4, "n_embd": 256, "n_head": 4, "vocab_size": 8192,
          "n_positions": 256}
MiB = 1024 * 1024


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def export_model(d, batch, seq, build):
    """The GPT-2 of CONFIG at batch x seq, imported under directory `d`:
    (model.mlir, weights, inputs)."""
    pt, mlir = os.path.join(d, "m.pt2"), os.path.join(d, "m.mlir")
    weights, inputs = os.path.join(d, "w.safetensors"), os.path.join(d, "in.safetensors")
    sets = sum((["--set", f"{k}={v}"] for k, v in CONFIG.items()), [])
    run([sys.executable, os.path.join(ROOT, "examples", "export.py"), "gpt2", "-o", pt,
         "--batch", str(batch), "--seq", str(seq), "--inputs-out", inputs] + sets,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run([os.path.join(build, "bin", "ds-import"), pt, "-o", mlir, "--weights-out", weights])
    return mlir, weights, inputs


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--meshes", nargs="+", default=["--dp 4", "--dp 2 --sp 2"])
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = p.parse_args()
    tool = lambda name: os.path.join(a.build, "bin", name)  # noqa: E731
    with tempfile.TemporaryDirectory() as d:
        mlir, weights, inputs = export_model(d, a.batch, a.seq, a.build)
        print(f"gpt2 {CONFIG} batch {a.batch} x {a.seq}, 4 ranks, AdamW, "
              f"{a.steps} steps")
        print(f"{'mesh':<14} {'zero':>4} {'params':>7} {'grads':>7} {'state':>7} "
              f"{'planned':>8} {'measured':>8} {'sent/step':>9} {'step ms':>8} {'vs 0':>5}"
              f" {'async':>5}"
              "   (MiB per rank)")
        for mesh in a.meshes:
            base_ms = None
            stage2_bytes = None
            # Stage 3 twice: without a budget (memory first: prefetch 1, every
            # parameter gathered again for the backward) and within stage 2's
            # planned bytes (3b: the longest prefetch and as many parameters
            # kept whole as fit, so fewer and larger collectives).
            for stage in ("0", "1", "2", "3", "3b"):
                plan, report, used = (os.path.join(d, f"z{stage}.{x}")
                                      for x in ("plan", "json", "memory"))
                budget = (["--memory-budget", str(stage2_bytes)]
                          if stage == "3b" else [])
                run([tool("ds-compile"), mlir, "-o", plan, "--report", report,
                     "--kernel-threads", "1", "--zero", stage[0]] + budget + mesh.split())
                r = json.load(open(report))
                cmd = [tool("ds-run"), "-n", "4", plan, "--weights", weights,
                       "--inputs", inputs, "--threads", "1", "--steps", str(a.steps)]

                def step_ms(extra):
                    err = run(cmd + extra, capture_output=True, text=True).stderr
                    # The leader's progress lines: "[rank 0] step i/n  loss L  T ms".
                    ms = [float(line.split()[-2]) for line in err.splitlines()
                          if " step " in line and line.endswith(" ms")]
                    return statistics.median(ms[1:] if len(ms) > 1 else ms)

                step = step_ms(["--memory-report", used])
                overlapped = step_ms(["--async-collectives=true"])
                base_ms = base_ms or step
                if stage == "2":
                    stage2_bytes = r["activation_checkpointing"]["planned_bytes"]
                held = r["model_states"]["bytes_per_rank"]
                sent = sum(r["collective_bytes_per_step"].values())
                print(f"{mesh:<14} {stage:>4} {held['parameters'] / MiB:7.2f} "
                      f"{held['gradients'] / MiB:7.2f} {held['optimizer_state'] / MiB:7.2f} "
                      f"{r['activation_checkpointing']['planned_bytes'] / MiB:8.2f} "
                      f"{json.load(open(used))['peak_bytes'] / MiB:8.2f} "
                      f"{sent / MiB:9.2f} {step:8.1f} {step / base_ms:5.2f} "
                      f"{overlapped / step:5.2f}")


if __name__ == "__main__":
    main()
