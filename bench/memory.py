"""Peak memory per rank against sequence length: dsc's planned and measured
peak with --ac none, selective, full and auto (at a budget halfway between
full and none), next to PyTorch eager's (plain, and with
torch.utils.checkpoint around every layer), and the step time of each
policy relative to --ac none, and each policy's recompute time per step,
predicted by the cost model and measured (ds-run --profile's time in the
kernels ds-compile --trace marks recompute). Writes a table and a plot of
peak against sequence length, as SVG and as PNG (rsvg-convert, from
Debian's librsvg2-bin, which scripts/install-deps.sh installs).

dsc's numbers: planned = what ds-compile plans for the step (the report's
activation_checkpointing.planned_bytes: arena and everything allocated
once); measured = ds-run --memory-report's peak (what it allocated plus
the most ATen allocated outside the arena). PyTorch's: its parameters and optimizer
state plus the most the heap grew during its second step (glibc's
mallinfo2, in use plus mmapped, sampled before and after every module's
forward and backward): coarse (a peak between samples is missed). Step
times are ds-run's own per-step times (median after the first).

  .venv/bin/python bench/memory.py [--models gpt2 llama] [--seqs 64 128 256 512]
      [--batch 4] [--steps 3] [--svg memory.svg] [--png memory.png]
      [--build build]
"""

import argparse
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import statistics

import torch
import torch.utils.checkpoint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples"))
import models  # noqa: E402

CONFIGS = {
    "gpt2": {"n_layer": 4, "n_embd": 128, "n_head": 4, "n_positions": 1024},
    "llama": {"n_layers": 4, "dim": 128, "n_heads": 4, "n_kv_heads": 2, "max_seq_len": 1024},
}
POLICIES = ("none", "selective", "full", "auto")


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2


def heap_in_use():
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd


def torch_peak(name, cfg, batch, seq, checkpoint):
    """Bytes at the peak of PyTorch's second AdamW step: the parameters and
    optimizer state plus the most the heap grew during the step."""
    torch.manual_seed(0)
    model, _ = models.build(name, **cfg)
    model.train()
    if checkpoint:
        for module in model.modules():
            if isinstance(module, torch.nn.ModuleList):
                for layer in module:
                    plain = layer.forward
                    layer.forward = (lambda f: lambda *a, **k: torch.utils.checkpoint.checkpoint(
                        f, *a, use_reentrant=False, **k))(plain)
    peak = [0]

    def sample(*_):
        peak[0] = max(peak[0], heap_in_use())
    for module in model.modules():
        module.register_forward_pre_hook(sample)
        module.register_forward_hook(sample)
        module.register_full_backward_hook(sample)
    vocab = getattr(model, "cfg", None)
    tokens = torch.randint(0, 256, (batch, seq))
    labels = torch.randint(0, 256, (batch, seq))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    for step in range(2):
        if step == 1:
            base = peak[0] = heap_in_use()
        loss = model(tokens, labels)
        sample()
        loss.backward()
        sample()
        opt.step()
        sample()
        opt.zero_grad(set_to_none=True)
    del vocab
    persistent = sum(t.numel() * t.element_size() for t in model.parameters())
    persistent += sum(t.numel() * t.element_size() for state in opt.state.values()
                      for t in state.values() if torch.is_tensor(t))
    return persistent + peak[0] - base


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def measured_recompute(trace, profile):
    """ds-run's mean seconds per step in the kernels the trace marks
    recompute (--profile lists the instructions in the trace's order)."""
    with open(trace) as f:
        kernels = [e for e in json.load(f)["traceEvents"] if e["ph"] == "X"]
    with open(profile) as f:
        timed = json.load(f)["instructions"]
    assert [k["name"] for k in kernels] == [t["kernel"] for t in timed]
    return sum(t["seconds"] for k, t in zip(kernels, timed) if k["args"].get("recompute"))


def dsc_numbers(bin_dir, d, name, cfg, batch, seq, steps):
    pt, mlir = os.path.join(d, "m.pt2"), os.path.join(d, "m.mlir")
    weights, batch_file = os.path.join(d, "w.safetensors"), os.path.join(d, "in.safetensors")
    sets = sum((["--set", f"{k}={v}"] for k, v in cfg.items()), [])
    run([sys.executable, os.path.join(ROOT, "examples", "export.py"), name, "-o", pt,
         "--batch", str(batch), "--seq", str(seq), "--inputs-out", batch_file] + sets,
        stderr=subprocess.DEVNULL)
    run([os.path.join(bin_dir, "ds-import"), pt, "-o", mlir, "--weights-out", weights])
    results = {}
    for ac in POLICIES:
        plan, report, used, trace, profile = (
            os.path.join(d, f"{ac}.{x}") for x in ("plan", "json", "memory", "trace", "profile"))
        extra = []
        if ac == "auto":
            budget = (results["none"]["planned"] + results["full"]["planned"]) // 2
            extra = ["--memory-budget", str(budget)]
        run([os.path.join(bin_dir, "ds-compile"), mlir, "-o", plan, "--report", report,
             "--trace", trace, "--ac", ac, "--kernel-threads", "1"] + extra)
        r = json.load(open(report))
        base = [os.path.join(bin_dir, "ds-run"), plan, "--weights", weights, "--inputs",
                batch_file, "-q", "--threads", "1"]
        run(base + ["--steps", "1", "--memory-report", used])
        # ds-run's own time per step (its progress lines), median of all but
        # the first.
        progress = subprocess.run([b for b in base if b != "-q"] + ["--steps", str(1 + steps),
                                                                    "--profile", profile],
                                  check=True, capture_output=True, text=True).stderr
        ms = sorted(float(line.split()[-2]) for line in progress.splitlines()
                    if line.startswith("step ") and line.endswith(" ms"))[: steps + 1]
        step_time = statistics.median(ms[1:] if len(ms) > 1 else ms) / 1e3
        results[ac] = {"planned": r["activation_checkpointing"]["planned_bytes"],
                       "measured": json.load(open(used))["peak_bytes"],
                       "step": step_time,
                       "recompute_predicted": r["predicted"]["recompute_seconds"],
                       "recompute_measured": measured_recompute(trace, profile)}
    return results


def svg(rows, path):
    """Planned peak (MiB) per policy and PyTorch's against sequence length,
    one panel per model."""
    panels = sorted({r["model"] for r in rows})
    width, height, pad = 460, 300, 50
    colors = {"none": "#d62728", "selective": "#ff7f0e", "full": "#2ca02c",
              "auto": "#1f77b4", "torch": "#7f7f7f", "torch+ckpt": "#bcbd22"}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * len(panels)}" '
           f'height="{height}" font-family="sans-serif" font-size="11">']
    for i, model in enumerate(panels):
        mine = [r for r in rows if r["model"] == model]
        seqs = [r["seq"] for r in mine]
        series = {ac: [r["dsc"][ac]["planned"] for r in mine] for ac in POLICIES}
        series["torch"] = [r["torch"] for r in mine]
        series["torch+ckpt"] = [r["torch_ckpt"] for r in mine]
        top = max(max(v) for v in series.values()) / 2**20 * 1.1
        x0 = i * width

        def xy(s, b):
            x = x0 + pad + (seqs.index(s) / max(len(seqs) - 1, 1)) * (width - 2 * pad)
            y = height - pad - (b / 2**20) / top * (height - 2 * pad)
            return x, y
        out.append(f'<text x="{x0 + width / 2}" y="18" text-anchor="middle">{model}: '
                   'peak MiB per rank vs sequence length</text>')
        out.append(f'<line x1="{x0 + pad}" y1="{height - pad}" x2="{x0 + width - pad}" '
                   f'y2="{height - pad}" stroke="black"/>')
        out.append(f'<line x1="{x0 + pad}" y1="{pad}" x2="{x0 + pad}" y2="{height - pad}" '
                   'stroke="black"/>')
        for s in seqs:
            x, _ = xy(s, 0)
            out.append(f'<text x="{x}" y="{height - pad + 15}" text-anchor="middle">{s}</text>')
        for k in range(5):
            value = top * k / 4
            y = height - pad - k / 4 * (height - 2 * pad)
            out.append(f'<text x="{x0 + pad - 5}" y="{y + 4}" text-anchor="end">{value:.0f}</text>')
        for j, (name, values) in enumerate(series.items()):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(s, b) for s, b in zip(seqs, values)))
            out.append(f'<polyline fill="none" stroke="{colors[name]}" stroke-width="2" '
                       f'points="{points}"/>')
            out.append(f'<text x="{x0 + pad + 8}" y="{pad + 12 * j}" fill="{colors[name]}">'
                       f'{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", nargs="+", default=["gpt2", "llama"])
    p.add_argument("--seqs", type=int, nargs="+", default=[64, 128, 256, 512])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--svg", default="memory.svg")
    p.add_argument("--png", default="memory.png", help="the plot as PNG ('' for none)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    a = p.parse_args()
    if a.png and not shutil.which("rsvg-convert"):
        sys.exit("bench/memory.py: --png needs rsvg-convert (Debian's librsvg2-bin: "
                 "scripts/install-deps.sh installs it), or pass --png ''")
    torch.set_num_threads(1)
    bin_dir = os.path.join(a.build, "bin")
    rows = []
    print(f"{'model':6s} {'seq':>5s}  " + "  ".join(f"{ac + ' plan/meas MiB':>24s}" for ac in POLICIES)
          + f"  {'torch':>8s} {'torch+ckpt':>10s}  step time vs none;"
          " recompute ms predicted/measured")
    for name in a.models:
        for seq in a.seqs:
            with tempfile.TemporaryDirectory() as d:
                ours = dsc_numbers(bin_dir, d, name, CONFIGS[name], a.batch, seq, a.steps)
            row = {"model": name, "seq": seq, "dsc": ours,
                   "torch": torch_peak(name, CONFIGS[name], a.batch, seq, False),
                   "torch_ckpt": torch_peak(name, CONFIGS[name], a.batch, seq, True)}
            rows.append(row)
            mib = 2**20
            print(f"{name:6s} {seq:5d}  " + "  ".join(
                f"{ours[ac]['planned'] / mib:11.2f}/{ours[ac]['measured'] / mib:<12.2f}" for ac in POLICIES)
                + f"  {row['torch'] / mib:8.2f} {row['torch_ckpt'] / mib:10.2f}  "
                + " ".join(f"{ac} {ours[ac]['step'] / ours['none']['step']:.2f}x"
                           for ac in POLICIES[1:]) + ";  "
                + " ".join(f"{ac} {ours[ac]['recompute_predicted'] * 1e3:.2f}/"
                           f"{ours[ac]['recompute_measured'] * 1e3:.2f}"
                           for ac in POLICIES[1:]), flush=True)
    svg(rows, a.svg)
    print(f"plot: {a.svg}")
    if a.png:
        subprocess.run(["rsvg-convert", "--background-color", "white", "-o", a.png, a.svg],
                       check=True)
        print(f"plot: {a.png}")


if __name__ == "__main__":
    main()
