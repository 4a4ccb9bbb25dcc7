#!/usr/bin/env python3
"""The GPU check of issue 17, in two halves (scripts/device-check.sh runs them).

  device_check.py prepare DIR   here: exports the example models, imports
                                and compiles their plans (ds-import,
                                ds-compile from build/bin)
  device_check.py run DIR       on the GPU machine: ds-run --device cuda
                                against PyTorch eager on the same GPU

`run` does two things and writes DIR/results.json:

1. Exactness, fp32 with TF32 off: one AdamW step of the example GPT-2 and
   Llama; loss, every gradient and every updated parameter against
   test/e2e/Inputs/reference.py --device cuda at rtol 1e-5 (compare.py).
   The example GPT-2 again with everything offloaded to host memory (the
   copy stream), and with everything on NVMe (swap files under DIR through
   pinned staging regions): loss, gradients and parameters bit-identical to
   the run without offload, where that run reproduces itself (else within
   1e-5; results.json says which). And with the updates on the host
   (--host-updates: ATen's CPU AdamW on the pinned state, so within 1e-5
   of the GPU's update, not bit-identical); with the parameters in device
   memory (a master copy on the host), and the same beside the backward
   (--overlap-updates: the side thread runs the update and reloads the new
   parameter while the GPU goes on): bit-identical to the one in order.
2. Speed and memory, TF32 on for both: the example GPT-2 at ~125M
   parameters and sequence 2048; the median step time of ds-run, PyTorch
   eager and torch.compile (same model, same AdamW), and peak device
   memory: ds-run's planned bytes against what it measured (memory report),
   torch.cuda.max_memory_allocated for PyTorch.

The 125M model's weights (500 MB) do not travel: `run` rebuilds the model
from its seed (models.build is deterministic) and writes them there.
DEVICE=cpu runs `run` on the CPU (a test of this script, not of a GPU);
BENCH=0 leaves out the timing (which takes minutes per step on a CPU).
CHECKS=examples,styles,offload,bench,pytorch (the default: all) picks
parts (pytorch: the bench's eager and torch.compile timing).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "examples"))

EXACT_MODELS = {
    "gpt2": ["--set", "n_layer=2"],
    "llama": ["--set", "n_layers=2"],
}
EXACT_SHAPE = ["--batch", "2", "--seq", "16"]
# Run again with everything in host memory: the same kernels in the same
# order, so the same bytes as the run without offload.
OFFLOAD_MODEL = "gpt2"
OFFLOADS = {space: ["--offload-optimizer", space, "--offload-params", space,
                     "--offload-activations", space]
            for space in ("cpu", "nvme")}
# The updates on the host run the CPU's kernels: the same values to float
# rounding, not the same bytes.
OFFLOADS["host-updates"] = OFFLOADS["cpu"] + ["--host-updates"]
# The parameters in device memory: the update writes a master copy on the
# host and the new parameter comes back; beside the backward, the same
# kernels on the same bytes as in order.
OFFLOADS["host-master"] = ["--offload-optimizer", "cpu", "--host-updates"]
OFFLOADS["host-beside"] = OFFLOADS["host-master"] + ["--overlap-updates"]
SAME_AS = {"host-beside": "host-master"}
OFFLOAD_KEYS = {"cpu": "offload", "nvme": "offload_nvme",
                "host-updates": "offload_host_updates",
                "host-master": "offload_host_master",
                "host-beside": "offload_host_beside"}
OFFLOAD_WHAT = {"cpu": "offload to host memory", "nvme": "offload to NVMe",
                "host-updates": "updates on the host",
                "host-master": "updates on the host, parameters on the device",
                "host-beside": "updates on the host beside the backward"}
OPTIMIZER = ["--optimizer", "adamw", "--lr", "0.01", "--eps", "1e-2"]
STEPS3_OPTIMIZER = ["--optimizer", "adamw", "--lr", "0.01", "--eps", "1"]
# Models written in other projects' idioms (test/e2e/Inputs/styles), one
# SGD step each against PyTorch on the same device: the padded ones make
# query rows that see no key (computed in blocks in the composite form
# beside the fused kernel; on CUDA the efficient kernel's path). Phi runs
# on this machine's CPU too, at 1 and at all threads: a CI machine once
# saw its layer-0 MLP gradients off by 1.8e-5, which no processor here
# reproduced.
STYLES = ["left_padded_long", "bert_padded", "phi"]
STYLE_OPTIMIZER = ["--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9",
                   "--weight-decay", "0.01"]
CPU_STYLES = ["phi", "left_padded_long"]
# GPT-2 small's shape (124M parameters with its 50257-token vocabulary).
BENCH_CONFIG = {"vocab_size": 50257, "n_positions": 2048, "n_embd": 768,
                "n_layer": 12, "n_head": 12}
BENCH_BATCH, BENCH_SEQ, BENCH_STEPS = 4, 2048, 8


def log(message):
    print(f"device-check: {message}", flush=True)


def run(cmd):
    """Runs `cmd`; a failure raises with the end of what it printed."""
    log("$ " + " ".join(cmd))
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} {os.path.basename(cmd[1])} failed "
                           f"({done.returncode}): " + (done.stdout + done.stderr)[-2000:])
    return done


def compare(inputs, res, ref):
    """compare.py at rtol 1e-5 on the loss, gradients and parameters that
    the runs `res` and `ref` wrote: whether they match, and what it said."""
    compared = subprocess.run(
        [sys.executable, os.path.join(inputs, "compare.py"), "--rtol", "1e-5",
         "--losses", res + ".loss", ref + ".loss",
         "--tensors", res + ".grads", ref + ".grads",
         "--tensors", res + ".final", ref + ".final"],
        capture_output=True, text=True)
    return compared.returncode == 0, (compared.stdout + compared.stderr).strip()


def compare_processor():
    """The host processor, as compare.py names it on a mismatch."""
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "Inputs"))
    import compare as compare_module
    return compare_module.processor()


def prepare(out, bin_dir):
    py = sys.executable
    os.makedirs(out, exist_ok=True)
    for name, sets in EXACT_MODELS.items():
        base = os.path.join(out, name)
        run([py, os.path.join(ROOT, "examples", "export.py"), name, "-o", base + ".pt",
             *EXACT_SHAPE, *sets, "--inputs-out", base + ".batch.safetensors"])
        run([os.path.join(bin_dir, "ds-import"), base + ".pt", "-o", base + ".mlir",
             "--weights-out", base + ".safetensors"])
        run([os.path.join(bin_dir, "ds-compile"), base + ".mlir", "-o", base + ".plan",
             *OPTIMIZER])
        # torch.optim's fused=True kernels (ATen's CUDA _fused_adamw_).
        run([os.path.join(bin_dir, "ds-compile"), base + ".mlir", "-o", base + ".fused.plan",
             *OPTIMIZER, "--fused-optimizer"])
    # Three AdamW steps at eps 1, where the step count shows (bias
    # correction) and the update's sensitivity does not hide it.
    base = os.path.join(out, "gpt2")
    run([os.path.join(bin_dir, "ds-compile"), base + ".mlir", "-o", base + ".steps3.plan",
         *STEPS3_OPTIMIZER])
    styles = os.path.join(ROOT, "test", "e2e", "Inputs", "styles")
    for name in STYLES:
        base = os.path.join(out, "style-" + name)
        run([py, os.path.join(ROOT, "test", "e2e", "Inputs", "export_style.py"),
             os.path.join(styles, name + ".py"), base])
        run([os.path.join(bin_dir, "ds-import"), os.path.join(base, "model.pt2"), "-o",
             os.path.join(base, "model.mlir"), "--weights-out",
             os.path.join(base, "model.weights")])
        run([os.path.join(bin_dir, "ds-compile"), os.path.join(base, "model.mlir"), "-o",
             os.path.join(base, "sgd.plan"), *STYLE_OPTIMIZER])
    # Everything offloaded to host memory (the copy stream's transfers), and
    # to NVMe (staged through pinned host memory).
    base = os.path.join(out, OFFLOAD_MODEL)
    for space, flags in OFFLOADS.items():
        run([os.path.join(bin_dir, "ds-compile"), base + ".mlir", "-o",
             f"{base}.offload-{space}.plan", *OPTIMIZER, *flags])
    # The 125M model: its plan only.
    base = os.path.join(out, "bench")
    sets = [a for k, v in BENCH_CONFIG.items() for a in ("--set", f"{k}={v}")]
    run([py, os.path.join(ROOT, "examples", "export.py"), "gpt2", "-o", base + ".pt",
         "--batch", str(BENCH_BATCH), "--seq", str(BENCH_SEQ), *sets])
    run([os.path.join(bin_dir, "ds-import"), base + ".pt", "-o", base + ".mlir",
         "--weights-out", base + ".check.safetensors"])
    run([os.path.join(bin_dir, "ds-compile"), base + ".mlir", "-o", base + ".plan",
         *OPTIMIZER, "--hardware", "h200", "--report", base + ".report.json"])
    run([os.path.join(bin_dir, "ds-compile"), base + ".mlir", "-o", base + ".fused.plan",
         *OPTIMIZER, "--hardware", "h200", "--fused-optimizer"])
    # What `run` writes must be what ds-import wrote (which adds the
    # buffers; ds-run reads the parameters).
    write_bench_weights(base + ".safetensors")
    import safetensors_io
    ours = safetensors_io.load(base + ".safetensors")
    imported = safetensors_io.load(base + ".check.safetensors")
    buffers = {n for n, _ in bench_model().named_buffers()}
    if (any(k not in imported or not ours[k].equal(imported[k]) for k in ours)
            or set(imported) - set(ours) - buffers):
        sys.exit("device-check: the rebuilt 125M weights differ from ds-import's")
    for suffix in (".pt", ".mlir", ".safetensors", ".check.safetensors"):
        os.remove(base + suffix)
    log(f"prepared {out}")


def bench_model():
    import models
    model, _ = models.build("gpt2", seed=0, **BENCH_CONFIG)
    return model


def write_bench_weights(path):
    import safetensors_io
    model = bench_model()
    safetensors_io.save({n: p.detach() for n, p in model.named_parameters()}, path)


def bench_batch(device):
    import torch
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, BENCH_CONFIG["vocab_size"], (BENCH_BATCH, BENCH_SEQ + 1),
                           generator=g)
    return {"tokens": tokens[:, :-1].contiguous().to(device),
            "labels": tokens[:, 1:].contiguous().to(device)}


def ds_run_steps(stderr):
    """Step times (ms) from ds-run's progress lines."""
    times = []
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] == "step" and parts[-1] == "ms":
            times.append(float(parts[-2]))
    return times


def time_pytorch(compiled, device):
    import torch
    torch.manual_seed(0)
    model = bench_model().to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=0.01, eps=1e-2)
    step_fn = torch.compile(model) if compiled else model
    batch = bench_batch(device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(BENCH_STEPS):
        if device == "cuda":
            torch.cuda.synchronize()
        began = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = step_fn(batch["tokens"], batch["labels"])
        loss.backward()
        opt.step()
        loss.item()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - began) * 1e3)
    peak = torch.cuda.max_memory_allocated() if device == "cuda" else None
    del model, opt, step_fn
    if device == "cuda":
        torch.cuda.empty_cache()
    # The first steps compile or warm up.
    return statistics.median(times[2:]), peak


def run_bench(out, ds_run, device, with_pytorch):
    """Times the 125M model's step in ds-run (for-loop and fused AdamW),
    PyTorch eager and torch.compile, TF32 on for all, and reads the peak
    memory."""
    import safetensors_io
    base = os.path.join(out, "bench")
    write_bench_weights(base + ".safetensors")
    safetensors_io.save(bench_batch("cpu"), base + ".batch.safetensors")
    tf32 = ["--allow-tf32"] if device == "cuda" else []
    bench = {}
    for suffix, key in (("", "ds_run"), (".fused", "ds_run_fused")):
        began = time.perf_counter()
        ran = subprocess.run(
            [ds_run, base + suffix + ".plan", "--device", device, *tf32,
             "--weights", base + ".safetensors", "--inputs", base + ".batch.safetensors",
             "--steps", str(BENCH_STEPS), "--memory-report", base + ".memory.json"],
            capture_output=True, text=True)
        if ran.returncode != 0:
            raise RuntimeError("ds-run: " + ran.stderr.strip()[-2000:])
        steps = ds_run_steps(ran.stderr)
        with open(base + ".memory.json") as f:
            memory = json.load(f)
        bench.update({key + "_ms": statistics.median(steps[2:]),
                      key + "_wall_s": time.perf_counter() - began,
                      key + "_planned_bytes": memory.get("planned_bytes"),
                      key + "_measured_peak_bytes": memory.get("peak_bytes")})
        log(f"bench: {key} {bench[key + '_ms']} ms")
    if not with_pytorch:
        return bench
    if device == "cuda":
        import torch
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    bench["eager_ms"], bench["eager_peak_bytes"] = time_pytorch(False, device)
    try:
        bench["compile_ms"], bench["compile_peak_bytes"] = time_pytorch(True, device)
    except Exception as e:  # torch.compile may lack a compiler there
        bench["compile_error"] = str(e).splitlines()[0][:300]
    bench["ds_run_vs_eager"] = bench["ds_run_ms"] / bench["eager_ms"]
    planned, measured = bench["ds_run_planned_bytes"], bench["ds_run_measured_peak_bytes"]
    if planned and measured:
        bench["measured_vs_planned"] = measured / planned
    return bench


def run_checks(out, ds_run, device):
    import torch
    results = {"device": device, "torch": torch.__version__, "exact": {}, "bench": {},
               "cpu": compare_processor()}
    if device == "cuda":
        results["gpu"] = torch.cuda.get_device_name(0)
    info = subprocess.run([ds_run, "--device-info"], capture_output=True, text=True)
    results["ds_run_device_info"] = (info.stdout + info.stderr).strip()
    log(results["ds_run_device_info"])
    inputs = os.path.join(ROOT, "test", "e2e", "Inputs")
    ok = True

    def save():
        # After each part: a run stopped at its time limit still tells.
        with open(os.path.join(out, "results.json"), "w") as f:
            json.dump(results, f, indent=2)

    def exact(key, plan, weights, batch, model, ref_args, on, ds_args=(), steps=1):
        """One step of `plan` in ds-run and of `model` in PyTorch
        (reference.py with `ref_args`), both on `on`; compare.py at 1e-5."""
        nonlocal ok
        res, ref = os.path.join(out, key + ".dsc"), os.path.join(out, key + ".ref")
        common = ["--dump-loss", "{}.loss", "--dump-grads", "{}.grads", "--save", "{}.final"]
        try:
            run([ds_run, plan, "--device", on, "--weights", weights, "--inputs", batch,
                 "--steps", str(steps), "-q", *ds_args, *[a.format(res) for a in common]])
            run([sys.executable, os.path.join(inputs, "reference.py"), model,
                 "--inputs", batch, "--steps", str(steps), *ref_args, "--device", on,
                 *[a.format(ref) for a in common]])
            passed, detail = compare(inputs, res, ref)
            detail = detail[-2000:]
        except RuntimeError as e:
            passed, detail = False, str(e)
        ok &= passed
        results["exact"][key] = {"passed": passed, "detail": detail}
        log(f"{key}: {'matches' if passed else 'DIFFERS FROM'} PyTorch at rtol 1e-5")
        save()

    checks = os.environ.get("CHECKS", "examples,styles,offload,bench,pytorch").split(",")

    # 1. Exactness, TF32 off: the examples with the for-loop and the fused
    # optimizer, then the styles (on the CPU too).
    for name in EXACT_MODELS if "examples" in checks or "offload" in checks else []:
        base = os.path.join(out, name)
        model, weights, batch = base + ".pt", base + ".safetensors", base + ".batch.safetensors"
        exact(name, base + ".plan", weights, batch, model, OPTIMIZER, device,
              ["--memory-report", os.path.join(out, name + ".dsc.memory.json")])
        exact(name + ".fused", base + ".fused.plan", weights, batch, model,
              [*OPTIMIZER, "--fused"], device)
        if name == "gpt2":
            exact(name + ".steps3", base + ".steps3.plan", weights, batch, model,
                  STEPS3_OPTIMIZER, device, steps=3)
    for name in STYLES if "styles" in checks else []:
        base = os.path.join(out, "style-" + name)
        args = (os.path.join(base, "sgd.plan"), os.path.join(base, "model.weights"),
                os.path.join(base, "batch.safetensors"), os.path.join(base, "model.pt2"),
                STYLE_OPTIMIZER)
        exact("style-" + name, *args, device)
        if device == "cuda" and name in CPU_STYLES:
            for threads in (1, os.cpu_count()):
                exact(f"style-{name}.cpu{threads}", *args, "cpu", ["--threads", str(threads)])

    # 1b. Offload to host memory and to NVMe: bit-identical to the run
    # without it, where that run is itself reproducible (ATen's attention
    # backward on CUDA may accumulate in a varying order; then within 1e-5).
    base = os.path.join(out, OFFLOAD_MODEL)
    first = os.path.join(out, OFFLOAD_MODEL + ".dsc")
    swap_dir = os.path.join(out, "swap")
    os.makedirs(swap_dir, exist_ok=True)

    def run_plan(plan, res):
        # On the CPU (a test of this script) the swap files take the GPU's
        # staged path too.
        staging = ["--swap-staging"] if device == "cpu" else []
        run([ds_run, plan, "--device", device,
             "--weights", base + ".safetensors", "--inputs", base + ".batch.safetensors",
             "--steps", "1", "-q", "--profile", res + ".profile.json",
             "--nvme-path", swap_dir, *staging,
             "--dump-loss", res + ".loss", "--dump-grads", res + ".grads",
             "--save", res + ".final"])

    def identical(a, b):
        same = True
        for suffix in (".loss", ".grads", ".final"):
            with open(a + suffix, "rb") as x, open(b + suffix, "rb") as y:
                same &= x.read() == y.read()
        return same

    reproducible = None
    for space in OFFLOADS if "offload" in checks else []:
        key = OFFLOAD_KEYS[space]
        try:
            if reproducible is None:
                rerun = os.path.join(out, OFFLOAD_MODEL + ".rerun")
                run_plan(base + ".plan", rerun)
                reproducible = identical(first, rerun)
                results["reproducible"] = reproducible
            res = os.path.join(out, f"{OFFLOAD_MODEL}.offload-{space}")
            run_plan(f"{base}.offload-{space}.plan", res)
            # The run it must equal: the one without offload, or its twin
            # in order (SAME_AS); the updates on the host are the CPU's
            # kernels, within 1e-5 of the GPU's.
            twin = SAME_AS.get(space)
            same = os.path.join(out, f"{OFFLOAD_MODEL}.offload-{twin}") if twin else first
            against = f"the run of {twin}" if twin else "the run without offload"
            if reproducible and (twin or not space.startswith("host-")):
                passed = identical(same, res)
                detail = ("loss, gradients, parameters "
                          + ("identical to " if passed else "differ from ") + against)
            else:
                passed, detail = compare(inputs, res, same)
                detail = ("" if reproducible else
                          "the run without offload is not reproducible on this device; ") + \
                    f"within 1e-5 of {against}: " + str(passed) + " " + detail[-500:]
        except (RuntimeError, OSError) as e:
            passed, detail = False, str(e)
        ok &= passed
        results[key] = {"passed": passed, "detail": detail}
        save()
        log(f"{OFFLOAD_WHAT[space]}: {detail}")

    # 2. Speed and memory, TF32 on for both.
    if os.environ.get("BENCH", "1") == "0" or "bench" not in checks:
        results["bench"] = {"skipped": "BENCH=0"}
    else:
        try:
            results["bench"] = run_bench(out, ds_run, device, "pytorch" in checks)
            log("bench: " + json.dumps(results["bench"]))
        except Exception as e:
            results["bench"] = {"error": str(e)[:2000]}
            log(f"bench failed: {e}")
            ok = False
    results["passed"] = ok
    save()
    log(f"results in {out}/results.json; {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("phase", choices=["prepare", "run"])
    p.add_argument("dir")
    p.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                   help="where ds-import and ds-compile are (prepare)")
    p.add_argument("--ds-run", default=os.path.join(ROOT, "build-gpu", "ds-run-gpu", "ds-run"),
                   help="the ds-run to check (run)")
    args = p.parse_args()
    if args.phase == "prepare":
        prepare(args.dir, args.bin)
        return 0
    return run_checks(args.dir, args.ds_run, os.environ.get("DEVICE", "cuda"))


if __name__ == "__main__":
    sys.exit(main())
