"""PyTorch's answer for a ds-run invocation: trains the same TorchScript
model with autograd and torch.optim on the same data and writes the same
files ds-run writes (--dump-loss, --dump-grads, --save; the buffers the
steps changed are saved beside the parameters).

  reference.py model.pt (--inputs batch.safetensors | --data tokens.bin --batch B --seq S)
      --steps K [--optimizer adamw|sgd] [--lr F] [--beta1 F] [--beta2 F]
      [--eps F] [--weight-decay F] [--momentum F] [--fused]
      [--clip-grad-norm F] [--lr-schedule constant|linear|cosine
      --warmup-steps N --total-steps N --min-lr-ratio F]
      [--grads-from grads.safetensors]
      --dump-loss loss.jsonl --dump-grads grads.safetensors --save final.safetensors
      [--device cuda]

--fused takes torch.optim's fused=True kernels. --clip-grad-norm clips
with torch.nn.utils.clip_grad_norm_ after each backward; the gradients
dumped are the clipped ones (what the optimizer uses, as ds-run dumps).
--lr-schedule steps the Hugging Face scheduler of that name
(transformers.get_*_schedule_with_warmup) after each optimizer step, as
its Trainer does. --grads-from gives the
first step's optimizer the gradients of a file (ds-run --dump-grads)
instead of autograd's: the update alone, on the same inputs, so that its
result can be compared bit for bit.

With --device cuda the model runs on the GPU in fp32 with TF32 off (what
ds-run --device cuda computes), for scripts/device-check.sh.

  reference.py STYLE.py [--float64] ... runs the eager model that a style
file's build() returns (test/e2e/Inputs/styles), in float64 with --float64:
the exact answer, to float64 rounding, that compare.py --truth referees
with where PyTorch's own float32 run is further from it than the tolerance.

--dsc-dropout SEED (an eager STYLE.py model) makes each step's dropouts
draw dsc's masks (examples/dsc_dropout.py) for that step and seed, the
ones ds-import's ds.dropout_mask draws.
"""

import argparse
import contextlib
import inspect
import json
import os
import sys
import zipfile

import numpy as np
import torch
from torch.export.passes import move_to_device_pass

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import dsc_dropout  # noqa: E402
import lower_flex  # noqa: E402
import safetensors_io  # noqa: E402


def batches(args):
    if args.inputs:
        batch = safetensors_io.load(args.inputs)
        while True:
            yield batch
    tokens = np.fromfile(args.data, dtype="<u2").astype(np.int64)
    seq = args.seq
    window = args.batch * (seq + 1)
    windows = len(tokens) // window
    step = 0
    while True:
        start = (step % windows) * window
        rows = torch.from_numpy(tokens[start:start + window]).view(args.batch, seq + 1)
        yield {"tokens": rows[:, :-1].contiguous(), "labels": rows[:, 1:].contiguous()}
        step += 1


def load_exported(path, device):
    """The program of a torch.export archive as a module, with its
    parameters by the names ds-import gives them (a tied tensor once, under
    its first name in the signature), for every parameter name the name it
    is tied to, and the names of its inputs in order. torch.export.load gives tied weights separate
    tensors, so the ties are read from the archive's weights config (names
    over the same bytes) and restored with functional_call. On another
    device than the CPU, torch.export's move_to_device_pass moves the
    program's tensors and the devices its graph names (torch.arange's
    device=cpu), which module.to() leaves behind."""
    program = torch.export.load(path)
    if device.type != "cpu":
        program = move_to_device_pass(program, device)
    module = program.module()
    with zipfile.ZipFile(path) as archive:
        config_name = next(n for n in archive.namelist()
                           if n.endswith("data/weights/model_weights_config.json"))
        config = json.loads(archive.read(config_name))["config"]

    def storage_key(name):
        meta = config[name]["tensor_meta"]
        return (config[name]["path_name"], json.dumps(meta["sizes"]),
                json.dumps(meta["strides"]), json.dumps(meta["storage_offset"]))

    params, aliases, first = {}, {}, {}
    for spec in program.graph_signature.input_specs:
        if spec.kind != torch.export.graph_signature.InputKind.PARAMETER:
            continue
        name = first.setdefault(storage_key(spec.target), spec.target)
        if name == spec.target:
            # A frozen parameter (requires_grad=False) stays so: no gradient,
            # no update.
            p = module.get_parameter(name)
            params[name] = p.detach().clone().requires_grad_(p.requires_grad)
    for name in config:
        if config[name].get("is_param") and storage_key(name) in first:
            aliases[name] = first[storage_key(name)]
    names = [spec.arg.name for spec in program.graph_signature.input_specs
             if spec.kind == torch.export.graph_signature.InputKind.USER_INPUT]
    return module, params, aliases, names


def input_names(module, path):
    """forward's parameter names, in order: a style's signature, a
    TorchScript schema (an exported program's user inputs come from
    load_exported)."""
    if path.endswith(".py"):
        return list(inspect.signature(module.forward).parameters)
    return [a.name for a in module.forward.schema.arguments[1:]]


def ordered(batch, names):
    """The batch's tensors in forward's order. Without forward's names
    (or where the batch names them otherwise: --data's tokens and labels),
    our models take (tokens, labels), Hugging Face's (input_ids,
    [attention_mask,] labels), vision models (images or pixel_values,
    labels)."""
    if names and all(n in batch for n in names):
        return [batch[n] for n in names]
    first = [n for n in ("tokens", "input_ids") if n in batch] or [
        n for n in batch if n not in ("attention_mask", "labels")]
    assert len(first) == 1, f"one input besides the mask and labels: {first}"
    return ([batch[first[0]]] + ([batch["attention_mask"]] if "attention_mask" in batch else [])
            + [batch["labels"]])


def load_style(path):
    """The eager model a style file's build() returns, as export_style.py
    builds it (seed 0)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("style", path)
    style = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = style  # for torch.compile (flex_attention) to import it
    spec.loader.exec_module(style)
    torch.manual_seed(0)
    return style.build()[0]


def retarget_device_constants(module, device):
    """A traced graph keeps the device it was traced on as constants (e.g.
    torch.arange(T, device=x.device) becomes device="cpu"); map_location
    moves tensors, not those. Points them at `device`."""
    for sub in module.modules():
        try:
            graph = sub.graph
        except RuntimeError:  # a module without forward
            continue
        for node in graph.findAllNodes("prim::Constant"):
            if node.output().type().kind() == "DeviceObjType":
                node.s_("value", str(device))


def make_scheduler(args, opt):
    """Hugging Face's own scheduler for --lr-schedule."""
    import transformers
    if args.lr_schedule == "constant":
        return transformers.get_constant_schedule_with_warmup(opt, args.warmup_steps)
    if args.lr_schedule == "linear":
        return transformers.get_linear_schedule_with_warmup(opt, args.warmup_steps, args.total_steps)
    if args.min_lr_ratio:
        return transformers.get_cosine_with_min_lr_schedule_with_warmup(
            opt, args.warmup_steps, args.total_steps, min_lr_rate=args.min_lr_ratio)
    return transformers.get_cosine_schedule_with_warmup(opt, args.warmup_steps, args.total_steps)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--inputs")
    p.add_argument("--data")
    p.add_argument("--batch", type=int)
    p.add_argument("--seq", type=int)
    p.add_argument("--steps", type=int, default=1)
    p.add_argument("--optimizer", default="adamw")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--beta1", type=float, default=0.9)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--eps", type=float, default=1e-8)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--momentum", type=float, default=0.0)
    p.add_argument("--fused", action="store_true")
    p.add_argument("--clip-grad-norm", type=float, default=0.0)
    p.add_argument("--lr-schedule")
    p.add_argument("--warmup-steps", type=int, default=0)
    p.add_argument("--total-steps", type=int, default=0)
    p.add_argument("--min-lr-ratio", type=float, default=0.0)
    p.add_argument("--grads-from")
    p.add_argument("--dump-loss", required=True)
    p.add_argument("--dump-grads", required=True)
    p.add_argument("--save", required=True)
    p.add_argument("--device", default="cpu")
    p.add_argument("--float64", action="store_true")
    p.add_argument("--dsc-dropout", type=int, metavar="SEED")
    args = p.parse_args()

    torch.manual_seed(0)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    if args.dsc_dropout is not None and not args.model.endswith(".py"):
        p.error("--dsc-dropout needs an eager STYLE.py model")
    if args.model.endswith(".py"):
        module = load_style(args.model).to(
            device, torch.float64 if args.float64 else torch.float32)
        module.train()
        aliases = None
        params = dict(module.named_parameters())
    elif args.model.endswith(".pt2"):
        module, params, aliases, names = load_exported(args.model, device)
        module.to(device)
        params = {n: t.detach().to(device).requires_grad_(t.requires_grad)
                  for n, t in params.items()}
    else:
        module = torch.jit.load(args.model, map_location=device)
        module.train()
        if device.type != "cpu":
            retarget_device_constants(module, device)
        aliases = None
        params = dict(module.named_parameters())
    if aliases is None:
        names = input_names(module, args.model)
    trainable = [t for t in params.values() if t.requires_grad]
    # Buffers the steps write (BatchNorm's running statistics, counters)
    # are saved beside the parameters, as ds-run saves its step's state.
    # Written: a changed value, or a write seen by the version counter
    # (which batch_norm's own update of its statistics does not bump).
    initial_buffers = {n: (b.detach().clone(), b._version)
                       for n, b in module.named_buffers()}
    if args.optimizer == "adamw":
        wd = 0.01 if args.weight_decay is None else args.weight_decay
        opt = torch.optim.AdamW(trainable, lr=args.lr, betas=(args.beta1, args.beta2),
                                eps=args.eps, weight_decay=wd, foreach=False,
                                fused=args.fused)
    else:
        wd = 0.0 if args.weight_decay is None else args.weight_decay
        opt = torch.optim.SGD(trainable, lr=args.lr, momentum=args.momentum,
                              weight_decay=wd, foreach=False, fused=args.fused)
    scheduler = make_scheduler(args, opt) if args.lr_schedule else None

    data = batches(args)
    # A TorchScript model runs in the graph executor without its
    # optimisations: from the second run on, those differentiate with the
    # JIT's own formulas (pow's without PyTorch's cases at a zero base),
    # not autograd's.
    executor = (torch.jit.optimized_execution(False) if isinstance(module, torch.jit.ScriptModule)
                else contextlib.nullcontext())
    # A FlexAttention model runs PyTorch's dense flex_attention forward and
    # backward (examples/lower_flex.py flex_attention_on_cpu).
    with open(args.dump_loss, "w") as losses, executor, lower_flex.flex_attention_on_cpu():
        for step in range(1, args.steps + 1):
            batch = next(data)
            opt.zero_grad(set_to_none=True)
            inputs = tuple(t.to(device, torch.float64 if args.float64 and t.is_floating_point()
                                 else t.dtype) for t in ordered(batch, names))
            if args.dsc_dropout is not None:
                with dsc_dropout.patched(step, args.dsc_dropout):
                    loss = module(*inputs)
            elif aliases is None:
                loss = module(*inputs)
            else:
                tied = {alias: params[name] for alias, name in aliases.items()}
                loss = torch.func.functional_call(module, tied, inputs)
            loss.backward()
            if args.clip_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(trainable, args.clip_grad_norm)
            if step == 1:
                safetensors_io.save({n: t.grad.detach().cpu() for n, t in params.items()
                                     if t.grad is not None}, args.dump_grads)
                if args.grads_from:
                    given = safetensors_io.load(args.grads_from)
                    for n, t in params.items():
                        if t.grad is not None:
                            t.grad.copy_(given[n])
            opt.step()
            if scheduler:
                scheduler.step()
            losses.write(json.dumps({"step": step, "loss": loss.item()}) + "\n")
    final = {n: t.detach().cpu() for n, t in params.items()}
    for n, b in module.named_buffers():
        value, version = initial_buffers[n]
        if n not in final and (b._version != version or not torch.equal(b, value)):
            final[n] = b.detach().cpu()
    if args.dsc_dropout is not None:
        # dsc's step counter, saved as ds-run saves its step's state.
        final["dsc.dropout_step"] = torch.tensor(args.steps, dtype=torch.int64)
    safetensors_io.save(final, args.save)


if __name__ == "__main__":
    main()
