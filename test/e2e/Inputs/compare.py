"""Compares ds-run's outputs with PyTorch's: per tensor, the relative error
max|a - b| / max(max|b|, FLOOR * M) must be at most --rtol, where M is the
largest max|b| of the file; losses likewise per step.

The floor is for gradients that are zero in exact arithmetic and only
rounding noise in float32 (the key bias under softmax's shift invariance:
PyTorch's own value is 1e-11 to ~3e-9 * M, by model): relative to
themselves they differ by 100% between any two summation orders. A tensor
larger than FLOOR * M keeps its own scale, and a wrong scale factor on
anything above ~1e-8 * M still shows.

Non-finite values (NaN, infinities; a loss ds-run wrote as null) must be
the same on both sides, at the same places: NaN against a number is a
mismatch, never a pass.

With a float64 referee (--truth per --tensors pair, in order, and
--truth-losses; reference.py --float64 writes them), a value that misses
PyTorch's float32 one passes if it is within --rtol of float64's: where a
model amplifies rounding (BatchNorm over a few values, a bias that a
later normalisation cancels), PyTorch's own float32 run can be further
than the tolerance from the exact answer. Each such pass is printed with
both distances.

With --differing F (mixed precision, where a last-bit difference of a
float32 value before a rounding to bfloat16 moves that element by one
bfloat16 step, 2^-8 to 2^-7 of it), at most a fraction F of each
tensor's elements in the first --tensors pair (the gradients of one
step; parameters after more steps carry the differences into every
element) may differ by more than float32 noise (1e-6 of the element plus
1e-6 of the tensor's largest: a float32 sum in another order moves an
element near zero by more than 1e-6 of itself),
and all within --rtol. A half-precision sum where PyTorch's is
in float32 moves 28% to 100% of them; a float32 difference in the last
bit before the roundings (our cross-entropy gradient's against PyTorch's)
moves up to 13% of a small layer's.

  compare.py --rtol 1e-5 [--differing F] [--tensors A.safetensors B.safetensors]...
             [--losses a.jsonl b.jsonl] [--decreasing]
             [--truth T.safetensors]... [--truth-losses t.jsonl]
"""

import argparse
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import safetensors_io  # noqa: E402


FLOOR = 1e-3


def relative_error(a, b, floor=0.0):
    """max|a - b| / max(max|b|, floor) over the finite values; infinite
    where a non-finite value is not matched by the same on the other side."""
    a = a.double()
    b = b.double()
    finite_a, finite_b = a.isfinite(), b.isfinite()
    if not finite_a.equal(finite_b) or not a[~finite_a].equal(b[~finite_b]):
        # NaN != NaN: compare their places, and the infinities' signs.
        same_nan = a.isnan().equal(b.isnan())
        a_inf, b_inf = a.isinf(), b.isinf()
        if not (same_nan and a_inf.equal(b_inf) and a[a_inf].equal(b[b_inf])):
            return float("inf")
    a, b = a[finite_a], b[finite_b]
    scale = max(b.abs().max().item() if b.numel() else 0.0, floor)
    diff = (a - b).abs().max().item() if b.numel() else 0.0
    return diff / scale if scale > 0 else diff


def worst_element(a, b):
    """Where |a - b| is largest over the finite values, for a mismatch's
    message: index, ours, PyTorch's, and how many elements differ by more
    than half of the largest difference (one element or rounding spread
    everywhere tell different stories)."""
    a, b = a.double(), b.double()
    diff = (a - b).abs().nan_to_num(nan=0.0, posinf=0.0, neginf=0.0)
    if not diff.numel():
        return ""
    flat = int(diff.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), diff.shape))
    near = int((diff > 0.5 * diff.max()).sum())
    return (f" (worst at {list(index)}: ours {a.flatten()[flat].item():.9g}, PyTorch "
            f"{b.flatten()[flat].item():.9g}; {near} of {diff.numel()} elements differ "
            f"by over half that)")


def processor():
    """This machine's processor and ATen's vector path, for a mismatch's
    message (CI machines differ from the ones the tests were written on)."""
    model = "an unknown processor"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f
                          if line.startswith("model name")), model)
    except OSError:
        pass
    return (f"{model}, {os.cpu_count()} CPUs, ATen {torch.backends.cpu.get_cpu_capability()}, "
            f"{torch.get_num_threads()} threads")


def loss_error(a, b):
    """Relative error of two losses; a null (non-finite) loss matches only
    null or a non-finite one, and a zero loss is compared absolutely."""
    # ds-run writes a non-finite loss as null; reference.py as NaN/Infinity.
    if a is None or b is None:
        other = b if a is None else a
        return 0.0 if other is None or not math.isfinite(other) else float("inf")
    if not math.isfinite(a) or not math.isfinite(b):
        same = (math.isnan(a) and math.isnan(b)) or a == b
        return 0.0 if same else float("inf")
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rtol", type=float, required=True)
    p.add_argument("--tensors", nargs=2, action="append", default=[])
    p.add_argument("--losses", nargs=2)
    p.add_argument("--decreasing", action="store_true")
    p.add_argument("--truth", action="append", default=[])
    p.add_argument("--truth-losses")
    p.add_argument("--differing", type=float)
    args = p.parse_args()
    if args.truth and len(args.truth) != len(args.tensors):
        p.error("one --truth per --tensors pair")
    failures = []
    checked = 0
    for k, (ours, theirs) in enumerate(args.tensors):
        a, b = safetensors_io.load(ours), safetensors_io.load(theirs)
        truth = safetensors_io.load(args.truth[k]) if args.truth else None
        truth_largest = max((t.double()[t.double().isfinite()].abs().max().item()
                             for t in truth.values() if t.double().isfinite().any()),
                            default=0.0) if truth else 0.0
        if set(a) != set(b):
            failures.append(f"{ours}: names differ: only ours {sorted(set(a) - set(b))}, "
                            f"only PyTorch {sorted(set(b) - set(a))}")
            continue
        worst = ("", 0.0)
        largest = max((t.double()[t.double().isfinite()].abs().max().item()
                       for t in b.values() if t.double().isfinite().any()),
                      default=0.0)
        for name in sorted(a):
            if a[name].shape != b[name].shape:
                failures.append(f"{name}: shape {tuple(a[name].shape)} vs {tuple(b[name].shape)}")
                continue
            err = relative_error(a[name], b[name], FLOOR * largest)
            checked += 1
            worst = max(worst, (name, err), key=lambda x: x[1])
            if not err <= args.rtol and truth is not None and name in truth:
                ours_off = relative_error(a[name], truth[name], FLOOR * truth_largest)
                theirs_off = relative_error(b[name], truth[name], FLOOR * truth_largest)
                if ours_off <= args.rtol:
                    print(f"refereed {name}: {err:.3g} from PyTorch's float32, which is "
                          f"{theirs_off:.3g} from float64; ours {ours_off:.3g}")
                    continue
            if not err <= args.rtol:
                failures.append(f"{ours}: {name}: relative error {err:.3g} > {args.rtol}"
                                + worst_element(a[name], b[name]))
            if args.differing is not None and k == 0 and a[name].numel():
                x, y = a[name].double(), b[name].double()
                finite = y[y.isfinite()].abs()
                scale = finite.max() if finite.numel() else 0.0
                noise = 1e-6 * (torch.maximum(x.abs(), y.abs()) + scale)
                apart = (x - y).abs() > noise
                differ = int((apart & ~(x.isnan() & y.isnan())).sum())
                if differ > args.differing * x.numel():
                    failures.append(f"{ours}: {name}: {differ} of {x.numel()} elements differ, "
                                    f"more than {args.differing:g} of them")
        print(f"{os.path.basename(ours)}: {len(a)} tensors, worst {worst[0]} {worst[1]:.3g}")
    if args.losses:
        ours = [json.loads(line)["loss"] for line in open(args.losses[0])]
        theirs = [json.loads(line)["loss"] for line in open(args.losses[1])]
        if len(ours) != len(theirs):
            failures.append(f"{len(ours)} losses vs {len(theirs)}")
        truth = ([json.loads(line)["loss"] for line in open(args.truth_losses)]
                 if args.truth_losses else [None] * len(ours))
        for step, (a, b, t) in enumerate(zip(ours, theirs, truth), 1):
            checked += 1
            err = loss_error(a, b)
            if not err <= args.rtol and t is not None and loss_error(a, t) <= args.rtol:
                print(f"refereed step {step}: loss {err:.3g} from PyTorch's float32, which is "
                      f"{loss_error(b, t):.3g} from float64; ours {loss_error(a, t):.3g}")
                continue
            if not err <= args.rtol:
                failures.append(f"step {step}: loss {a} vs PyTorch {b} (relative {err:.3g})")
        print(f"losses: {len(ours)} steps, first {ours[0]}, last {ours[-1]}")
        if args.decreasing and not (ours[0] is not None and ours[-1] is not None
                                    and ours[-1] < ours[0]):
            failures.append(f"loss did not go down: {ours[0]} -> {ours[-1]}")
    for f in failures:
        print("MISMATCH", f)
    if failures:
        print(f"(ran on {processor()})")
    if failures or checked == 0:
        sys.exit(1)
    print(f"{checked} comparisons within {args.rtol}")


if __name__ == "__main__":
    main()
