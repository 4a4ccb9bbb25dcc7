"""Checks that ds-compile --zero 3 --memory-budget stops packing the
gradients' reduce-scatters into buckets when the buckets break the budget:
compiled without a budget, the gradients are reduce-scattered in buckets
(fewer reduce-scatters than trainable parameters); with a budget of one
byte less than that plan, the report says `gradients_coalesced: false`, the
plan fits the budget and the lowered IR reduces the gradients one by one
(more reduce-scatters than with buckets). With --run, both plans train
two steps and their loss, gradients and updated parameters must agree at
relative 1e-5 (not bit for bit: Gloo's ring splits a packed buffer into
other chunks, so each element's sum runs in another order).

  check_coalescing.py model.mlir DIR [--run WEIGHTS BATCH]
      -- ds-compile mesh flags...
"""

import json
import math
import os
import subprocess
import sys


def compile_step(mlir, out, flags, budget=None):
    tag = f"coalescing-{budget}"
    report, ir = os.path.join(out, tag + ".json"), os.path.join(out, tag + ".ir")
    cmd = ["ds-compile", mlir, "-o", os.path.join(out, tag + ".plan"), "--zero", "3",
           "--report", report, "--dump-ir", ir] + flags
    if budget is not None:
        cmd += ["--memory-budget", str(budget)]
    subprocess.run(cmd, check=True)
    r = json.load(open(report))
    scatters = open(ir).read().count('dsrt.kernel "reduce_scatter"')
    return r["zero3"], r["memory"]["planned_bytes"], scatters


def train(out, budget, flags, weights, batch):
    tag = os.path.join(out, f"coalescing-{budget}")
    ranks = math.prod(int(flags[i + 1]) for i in range(len(flags) - 1)
                      if flags[i] in ("--dp", "--sp"))
    subprocess.run(["ds-run", tag + ".plan", "-n", str(ranks), "--weights", weights,
                    "--inputs", batch, "--steps", "2", "-q", "--timeout", "60",
                    "--dump-loss", tag + ".loss", "--dump-grads", tag + ".grads",
                    "--save", tag + ".final"], check=True)
    return tag


def main():
    mlir, out = sys.argv[1], sys.argv[2]
    flags = sys.argv[sys.argv.index("--") + 1:]
    options = sys.argv[3:sys.argv.index("--")]
    run = options[1:3] if options[:1] == ["--run"] else None
    packed, packed_bytes, packed_scatters = compile_step(mlir, out, flags)
    params = packed["trainable_parameters"]
    failed = []
    if not (packed["gradients_coalesced"] and packed["coalesced"]):
        failed.append(f"no budget: {packed}, expected everything coalesced")
    if not 0 < packed_scatters < params:
        failed.append(f"no budget: {packed_scatters} reduce-scatters for {params} "
                      "parameters, expected buckets")
    budget = packed_bytes - 1
    chosen, chosen_bytes, chosen_scatters = compile_step(mlir, out, flags, budget)
    if chosen["gradients_coalesced"]:
        failed.append(f"budget {budget}: {chosen}, expected gradients one by one")
    if chosen_bytes > budget:
        failed.append(f"budget {budget}: the plan takes {chosen_bytes} bytes")
    if chosen_scatters <= packed_scatters:
        failed.append(f"budget {budget}: {chosen_scatters} reduce-scatters, not more "
                      f"than the {packed_scatters} of the buckets")
    print(f"{params} parameters: buckets {packed_bytes} B, {packed_scatters} "
          f"reduce-scatters; within {budget}: {chosen_bytes} B, {chosen_scatters} "
          f"reduce-scatters, prefetch {chosen['prefetch']}, {chosen['kept_whole']} kept")
    if failed:
        sys.exit("\n".join(failed))
    if run:
        a = train(out, None, flags, *run)
        b = train(out, budget, flags, *run)
        compare = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                               "e2e", "Inputs", "compare.py")
        subprocess.run([sys.executable, compare, "--rtol", "1e-5", "--losses", b + ".loss",
                        a + ".loss", "--tensors", b + ".grads", a + ".grads",
                        "--tensors", b + ".final", a + ".final"], check=True)


if __name__ == "__main__":
    main()
