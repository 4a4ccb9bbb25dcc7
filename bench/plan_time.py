"""How ds-compile's time grows with depth: compiles Llama-3-8B-shaped
steps (bench/llama_shapes.py: hidden 4096, 32 heads, 8 kv heads, shapes
only) of 32, 64 and 128 layers with --ac none and --ac full, best of
--repeats runs each, and prints the times, the 64/32 ratio (issue 14's goal:
at most 2.2) and whether 32 layers compile in under 2 s. Then --ac auto at
a budget halfway between full's and none's planned bytes (the goal: its
search under 1 s at 32 layers, measured as auto's time minus none's) and
the time of each pass at the deepest size (ds-opt -mlir-timing).

  python3 bench/plan_time.py [--layers 32 64 128] [--repeats 3] [--build build]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import llama_shapes  # noqa: E402


def best_time(cmd, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, nargs="+", default=[32, 64, 128])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = p.parse_args()
    bin_dir = os.path.join(a.build, "bin")
    times = {}
    with tempfile.TemporaryDirectory() as d:
        for layers in a.layers:
            mlir = os.path.join(d, f"l{layers}.mlir")
            with open(mlir, "w") as f:
                f.write(llama_shapes.generate(layers, 1, 2048, 4096, 32, 8, 14336, 128256))
            for ac in ("none", "full"):
                times[layers, ac] = best_time(
                    [os.path.join(bin_dir, "ds-compile"), mlir, "-o",
                     os.path.join(d, "step.plan"), "--ac", ac], a.repeats)
                print(f"{layers:4d} layers  --ac {ac:4s}  {times[layers, ac]:.3f} s", flush=True)
            planned = {}
            for ac in ("none", "full"):
                report = os.path.join(d, f"{ac}.json")
                subprocess.run([os.path.join(bin_dir, "ds-compile"), mlir, "-o",
                                os.path.join(d, "step.plan"), "--ac", ac,
                                "--report", report], check=True, stdout=subprocess.DEVNULL)
                with open(report) as f:
                    planned[ac] = json.load(f)["activation_checkpointing"]["planned_bytes"]
            budget = (planned["none"] + planned["full"]) // 2
            report = os.path.join(d, "auto.json")
            times[layers, "auto"] = best_time(
                [os.path.join(bin_dir, "ds-compile"), mlir, "-o",
                 os.path.join(d, "step.plan"), "--ac", "auto", "--memory-budget",
                 str(budget), "--report", report], a.repeats)
            with open(report) as f:
                chosen = json.load(f)["activation_checkpointing"]
            print(f"{layers:4d} layers  --ac auto  {times[layers, 'auto']:.3f} s "
                  f"(search {times[layers, 'auto'] - times[layers, 'none']:.3f} s, "
                  f"{chosen['candidates_compiled']} candidates compiled, "
                  f"{chosen['layers'].count('full')} full + "
                  f"{chosen['layers'].count('selective')} selective layers)", flush=True)
        deepest = os.path.join(d, f"l{max(a.layers)}.mlir")
        timing = subprocess.run(
            [os.path.join(bin_dir, "ds-opt"), deepest, "-ds-training-pipeline=ac=full",
             "-mlir-timing", "-o", os.devnull], check=True, capture_output=True, text=True)
        print(f"passes at {max(a.layers)} layers:\n" + "\n".join(
            line for line in timing.stderr.splitlines() if "%" in line))
    for ac in ("none", "full"):
        if (32, ac) in times and (64, ac) in times:
            ratio = times[64, ac] / times[32, ac]
            print(f"--ac {ac}: 64/32 layers {ratio:.2f}x (goal <= 2.2), "
                  f"32 layers {times[32, ac]:.3f} s (goal < 2 s)")
    if (32, "auto") in times:
        print(f"--ac auto: search at 32 layers "
              f"{times[32, 'auto'] - times[32, 'none']:.3f} s (goal < 1 s)")


if __name__ == "__main__":
    main()
