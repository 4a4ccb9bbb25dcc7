#!/usr/bin/env python3
"""Export an example model for the dsc importer (torch.export or TorchScript).

    .venv/bin/python examples/export.py MODEL -o model.pt2 \
        [--format pt2|torchscript] [--decompose] \
        [--batch 2] [--seq 16] [--set key=value ...] [--seed 0] \
        [--inputs-out batch.safetensors] [--reference-out ref.safetensors]

The model is built in train() mode. The default format, pt2, saves
torch.export.export(model, (tokens, labels)) with torch.export.save (the
training IR; --decompose saves it after run_decompositions(), core ATen);
torchscript saves torch.jit.trace(model, (tokens, labels)) with the inputs'
shapes (dsc_save.py). An output ending in .pt is TorchScript unless --format
says otherwise. Either forward returns the scalar loss.  MODEL is a name in models.MODELS (gpt2, llama, gptj, neox,
opt, bloom, falcon, mistral, bert).  --inputs-out saves the example inputs
("tokens", "labels", int64 [batch, seq]); --reference-out saves the eager
loss ("loss", 0-d f32) and every parameter's gradient ("grad.<param name>")
for numeric tests.
"""

import argparse
import contextlib
import dataclasses
import os
import random
import re
import sys
import warnings

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)

import torch  # noqa: E402

import models  # noqa: E402
import dsc_dropout  # noqa: E402
import dsc_save  # noqa: E402
import lower_flex  # noqa: E402
import safetensors_io  # noqa: E402


def fail(msg):
    print(f"export.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_value(raw, typ, key):
    """Parse a --set value according to the config field's type."""
    # Dataclass field types may be strings under `from __future__ import annotations`.
    name = typ if isinstance(typ, str) else getattr(typ, "__name__", str(typ))
    try:
        if name == "bool":
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if name == "int":
            return int(raw, 0)
        if name == "float":
            return float(raw)
    except ValueError:
        fail(f"--set {key}={raw}: expected a {name}")
    return raw


def parse_overrides(model_name, items):
    fields = models.config_fields(model_name)
    overrides = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            fail(f"--set expects key=value, got {item!r}")
        if key not in fields:
            fail(f"unknown config field {key!r} for {model_name} (known: {', '.join(fields)})")
        overrides[key] = parse_value(raw, fields[key], key)
    return overrides


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="model name: " + ", ".join(sorted(models.MODELS)))
    ap.add_argument("-o", "--output", required=True,
                    help="output path (.pt2: torch.export archive, .pt: TorchScript)")
    ap.add_argument("--format", choices=("pt2", "torchscript"),
                    help="what to write (default: torchscript for a .pt output, else pt2)")
    ap.add_argument("--decompose", action="store_true",
                    help="pt2 only: save the program after run_decompositions() (core ATen IR)")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                    help="override a config field (repeatable)")
    ap.add_argument("--seed", type=int, default=0, help="seed for weights and example inputs")
    ap.add_argument("--inputs-out", help="write example tokens/labels as safetensors")
    ap.add_argument("--reference-out", help="write eager loss and parameter grads as safetensors")
    args = ap.parse_args(argv)

    if args.model not in models.MODELS:
        fail(f"unknown model {args.model!r} (choose from {', '.join(sorted(models.MODELS))})")
    if args.batch < 1 or args.seq < 1:
        fail("--batch and --seq must be positive")
    overrides = parse_overrides(args.model, args.sets)
    fmt = args.format or ("torchscript" if args.output.endswith(".pt") else "pt2")
    if args.decompose and fmt != "pt2":
        fail("--decompose applies to --format pt2 only")

    try:
        model, cfg = models.build(args.model, seed=args.seed, **overrides)
    except (ValueError, AssertionError) as e:
        fail(f"cannot build {args.model}: {e}")
    # The model's maximum length, under the name its config uses; a model
    # without one (ALiBi: BLOOM) takes any length.
    max_seq = next((getattr(cfg, f) for f in ("n_positions", "max_position_embeddings",
                                               "max_seq_len") if hasattr(cfg, f)), None)
    if max_seq is not None and args.seq > max_seq:
        fail(f"--seq {args.seq} exceeds the model's maximum sequence length {max_seq}")
    model.train()

    # Example inputs from their own generator (offset from the weight seed).
    # A model class may provide its own (BERT: padded rows and masked-LM
    # labels) as a classmethod example_inputs(cfg, batch, seq, generator)
    # returning (tokens, labels); otherwise both are uniform token ids.
    g = torch.Generator().manual_seed(args.seed + 1)
    if hasattr(type(model), "example_inputs"):
        tokens, labels = type(model).example_inputs(cfg, args.batch, args.seq, g)
    else:
        tokens = torch.randint(0, cfg.vocab_size, (args.batch, args.seq), generator=g,
                               dtype=torch.int64)
        labels = torch.randint(0, cfg.vocab_size, (args.batch, args.seq), generator=g,
                               dtype=torch.int64)

    # Eager reference first, so the traced module is built from untouched weights
    # (tracing does not read .grad, but keep the order obvious).
    if args.reference_out:
        model.zero_grad(set_to_none=True)
        loss = model(tokens, labels)
        loss.backward()
        ref = {"loss": loss.detach().to(torch.float32).reshape(())}
        for name, p in model.named_parameters():
            if p.grad is None:
                fail(f"parameter {name} received no gradient")
            ref["grad." + name] = p.grad.detach().to(torch.float32).clone()
        model.zero_grad(set_to_none=True)
        safetensors_io.save(ref, args.reference_out, metadata={
            "model": args.model, "config": repr(cfg), "seed": str(args.seed),
            "batch": str(args.batch), "seq": str(args.seq)})

    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    if fmt == "pt2":
        export_program(model, (tokens, labels), args.output, args.decompose)
    else:
        trace(model, args.model, tokens, labels, args.output)

    if args.inputs_out:
        safetensors_io.save({"tokens": tokens, "labels": labels}, args.inputs_out,
                            metadata={"model": args.model, "seed": str(args.seed)})

    n_params = sum(p.numel() for p in model.parameters())
    fields = ", ".join(f"{f.name}={getattr(cfg, f.name)}" for f in dataclasses.fields(cfg))
    print(f"exported {args.model} ({fields}; {n_params} params) batch={args.batch} "
          f"seq={args.seq} seed={args.seed} -> {args.output} ({fmt})", file=sys.stderr)
    return 0


def closure(start, step):
    """The FX nodes reachable from start through step (users or inputs)."""
    pending, seen = list(start), set()
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(step(node))
    return seen


def source_line(node, root=None):
    """Where the model's code made node: 'file:line', or its name. A
    higher-order op (a grad-mode region) has no trace of its own: the first
    op inside its graph (a submodule of `root`) that has one answers."""
    traces = [node.meta.get("stack_trace")]
    if root is not None:
        for arg in node.args:
            if isinstance(arg, torch.fx.Node) and arg.op == "get_attr":
                inner = getattr(root, arg.target, None)
                if isinstance(inner, torch.fx.GraphModule):
                    traces += [n.meta.get("stack_trace") for n in inner.graph.nodes]
    torch_dir = os.path.dirname(torch.__file__) + os.sep
    for trace in traces:
        frames = re.findall(r'File "([^"]+)", line (\d+)', trace or "")
        # The innermost frame of the model's own code.
        # (and not a graph PyTorch generated: torch.compile's <eval_with_key>).
        frames = [f for f in frames
                  if not f[0].startswith(torch_dir) and not f[0].startswith("<")] or frames
        if frames:
            return f"{frames[-1][0]}:{frames[-1][1]}"
    return node.name


def switches_gradients(node):
    """Whether node changes the grad mode: a torch.no_grad() or
    enable_grad() region, or a plain _set_grad_enabled."""
    return node.target in (torch.ops.higher_order.wrap_with_set_grad_enabled,
                           torch._C._set_grad_enabled)


def lower_functions(program):
    """Lowers what torch.export keeps as calls of functions ds-import cannot
    read: a torch.vmap (Hugging Face's attention masks built from mask
    functions: Gemma 3's image tokens seeing each other), which
    torch.export.save cannot write either, a flex_attention
    (lower_flex.py: its dense attention), and a torch.autocast region (the
    casts its policy makes, written out as `_to_copy`: autocast's weight
    cache plays no part in an exported program, so each matmul casts its
    own weight). run_decompositions with an empty
    table then traces them into ATen ops and decomposes nothing else
    (detach stays); it also drops the grad-mode regions, which would let
    the gradient through a torch.no_grad() block. So where such a region
    reads a value computed from trainable parameters, or a grad-mode switch
    sits inside another higher-order op's graph (a torch.cond branch), the
    export is refused instead; so are the in-place detaches it would drop
    that detach_out_of_place cannot keep."""
    graph = program.graph
    used = [what for what, found in (
        ("torch.vmap", any(getattr(n.target, "__module__", None) == "torch._functorch.predispatch"
                           for n in graph.nodes)),
        ("flex_attention", lower_flex.lower_flex_attention(program, fail, source_line)),
        ("torch.autocast", any(n.target is torch.ops.higher_order.wrap_with_autocast
                               for n in graph.nodes)))
        if found]
    if not used:
        return program
    from torch.export.graph_signature import InputKind
    trainable_names = {
        spec.arg.name for spec in program.graph_signature.input_specs
        if spec.kind == InputKind.PARAMETER and program.state_dict[spec.target].requires_grad}
    trainable = closure([n for n in graph.nodes if n.name in trainable_names],
                        lambda node: node.users)

    def refuse(node, what, module=program.graph_module, hint="write .detach() instead"):
        fail(f"the model uses {' and '.join(used)}, which the exporter lowers, and "
             f"{what} ({node.target} at {source_line(node, module)}), which "
             f"the lowering would lose ({hint})")
    freeze = "to freeze parameters, use requires_grad_(False) instead"
    for node in graph.nodes:
        if switches_gradients(node) and (node.target is torch._C._set_grad_enabled
                                         or any(i in trainable for i in node.all_input_nodes)):
            refuse(node, "switches gradients off for values computed from trainable parameters",
                   hint=freeze)
    for name, module in program.graph_module.named_modules():
        if name and isinstance(module, torch.fx.GraphModule):
            for node in module.graph.nodes:
                if switches_gradients(node):
                    refuse(node, f"switches gradients inside {name}", module, hint=freeze)
    detach_out_of_place(program, trainable, refuse)
    return program.run_decompositions({})


def _written(node):
    """The inputs an in-place op writes (those its schema marks so)."""
    schema = getattr(node.target, "_schema", None)
    if schema is None or not schema.is_mutable:
        return []
    written = []
    for i, argument in enumerate(schema.arguments):
        if argument.alias_info is not None and argument.alias_info.is_write:
            value = node.args[i] if i < len(node.args) else node.kwargs.get(argument.name)
            if isinstance(value, torch.fx.Node):
                written.append(value)
    return written


def _is_view(node):
    schema = getattr(node.target, "_schema", None)
    return bool(schema and schema.returns and schema.returns[0].alias_info is not None
                and not schema.is_mutable)


def detach_out_of_place(program, trainable, refuse):
    """run_decompositions drops an in-place `detach_(x)`, which would let
    the gradient through. Where nothing trainable flows into x (a constant
    from torch.tensor, which torch.export writes as a detach_) dropping it
    changes nothing; elsewhere it becomes `y = detach(x)`, read by every
    later reader of x. A detached value written in place afterwards (its
    functional form re-derives it from the write, cutting the gradient the
    write brings), or a detach_ inside a nested graph (an autocast region)
    of anything but a constant, is refused."""
    graph = program.graph
    order = {node: i for i, node in enumerate(graph.nodes)}
    detached = []
    for node in [n for n in graph.nodes if n.target is torch.ops.aten.detach_.default]:
        source = node.args[0]
        if source not in trainable:
            node.replace_all_uses_with(source)
            graph.erase_node(node)
            continue
        with graph.inserting_after(node):
            copy = graph.call_function(torch.ops.aten.detach.default, (source,))
        copy.meta = dict(node.meta)
        node.replace_all_uses_with(copy)
        for user in list(source.users):
            if user is not node and user is not copy and order.get(user, -1) > order[node]:
                user.replace_input_with(source, copy)
        graph.erase_node(node)
        detached.append(copy)
    detached += [n for n in graph.nodes if n.target is torch.ops.aten.detach.default]
    aliases = closure(detached, lambda node: [u for u in node.users if _is_view(u)])
    for node in graph.nodes:
        if any(w in aliases for w in _written(node)):
            refuse(node, "writes in place into a detached value",
                   hint="write into a clone of it instead")
    for name, module in program.graph_module.named_modules():
        if name and isinstance(module, torch.fx.GraphModule):
            for node in list(module.graph.nodes):
                if node.target is not torch.ops.aten.detach_.default:
                    continue
                # A constant's (torch.tensor(...) in an autocast region):
                # nothing flows into it.
                if node.args[0].target is torch.ops.aten.lift_fresh_copy.default:
                    node.replace_all_uses_with(node.args[0])
                    module.graph.erase_node(node)
                    continue
                refuse(node, f"detaches in place inside {name}", module)
            module.recompile()
    program.graph_module.recompile()


def drop_data_checks(program):
    """Removes the run-time assertions on the data that torch.export.save
    cannot write (PyTorch 2.11): a check of a tensor's values through
    torch._check_tensor_all (Hugging Face's torch_compilable_check, which
    every vision-language model makes of its image tokens against the image
    features) becomes an item() behind cast_symbool_to_symint_guardless.
    The assertions that depend on such a cast go, and the computations only
    they read. ds-import has no run-time assertions; a masked_scatter with
    fewer features than image tokens still fails at run time."""
    from torch.fx.experimental.symbolic_shapes import cast_symbool_to_symint_guardless
    graph = program.graph
    casts = [n for n in graph.nodes if n.target is cast_symbool_to_symint_guardless]
    if not casts:
        return
    below = closure(casts, lambda node: node.users)
    asserts = [n for n in below if n.target is torch.ops.aten._assert_scalar.default]
    # What only the assertions read: the casts' inputs back to the data
    # (item, _is_all_true, the comparison) and what lies between.
    checks = below | closure(casts, lambda node: node.all_input_nodes)
    for node in asserts:
        graph.erase_node(node)
    for node in reversed(list(graph.nodes)):
        if (node in checks and node.op == "call_function" and not node.users
                and not node.is_impure()):
            graph.erase_node(node)
    program.graph_module.recompile()


class HostDraw(BaseException):
    """The model drew a number with numpy.random or Python's random while
    it was traced. A BaseException, so that model code catching Exception
    lets it through."""


# Python's random functions a model might call (module level).
_PYTHON_DRAWS = ("random", "uniform", "randint", "randrange", "choice", "choices", "sample",
                 "shuffle", "gauss", "normalvariate", "lognormvariate", "getrandbits",
                 "betavariate", "expovariate", "gammavariate", "paretovariate",
                 "vonmisesvariate", "weibullvariate", "triangular", "randbytes")
# numpy.random's global-state methods that draw nothing.
_NUMPY_STATE = ("get_state", "set_state", "seed", "get_bit_generator", "set_bit_generator")


def _host_draws():
    """(module, name) of the functions that draw from numpy's and Python's
    global random state."""
    draws = [(random, name) for name in _PYTHON_DRAWS if hasattr(random, name)]
    try:
        import numpy.random
    except ImportError:
        return draws
    state = getattr(numpy.random.mtrand, "_rand", None)
    for name in dir(numpy.random):
        function = getattr(numpy.random, name)
        if state is not None and getattr(function, "__self__", None) is state and \
                name not in _NUMPY_STATE:
            draws.append((numpy.random, name))
    return draws + [(numpy.random, "default_rng")]


def _is_unit_draw(module, name, args, kwargs):
    """Whether the call draws one number in [0, 1): random.random(),
    random.uniform(0, 1), numpy.random.rand(), random(), random_sample(),
    uniform(0, 1) without a size."""
    if kwargs.get("size") is not None:
        return False
    if name in ("random", "rand", "random_sample", "uniform") and not args and not kwargs:
        return module is not random or name == "random"
    bounds = (tuple(args) + (kwargs.get("low", kwargs.get("a")), kwargs.get("high", kwargs.get("b"))))
    return name == "uniform" and [b for b in bounds if b is not None][:2] == [0, 1]


class HostScalarDraw(dsc_dropout.Comparisons):
    """A number in [0, 1) drawn on the host while the model is traced:
    compared with a Python number where the answer is the same for every
    draw (MusicGen's LayerDrop, `random.uniform(0, 1) < 0`), the answer;
    any other use a HostDraw."""

    def __init__(self, what):
        self.what = what

    def _compare(self, op, other):
        where = dsc_dropout._caller(3)
        if not dsc_dropout._is_number(other):
            raise HostDraw(f"{self.what} at {where}")
        return dsc_dropout.decide(op, other, self.what, where)

    def _used(self, *args, **kwargs):
        raise HostDraw(f"{self.what} at {dsc_dropout._caller()}")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _used
    __truediv__ = __rtruediv__ = __float__ = __int__ = __bool__ = __index__ = _used
    __neg__ = __abs__ = __round__ = __eq__ = __ne__ = __hash__ = _used


def _refusing(module, name, function):
    torch_dir = os.path.dirname(torch.__file__) + os.sep

    def draw(*args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code.co_filename.startswith(torch_dir):
            return function(*args, **kwargs)
        what = f"{module.__name__}.{name}"
        if _is_unit_draw(module, name, args, kwargs):
            return HostScalarDraw(what)
        raise HostDraw(f"{what} at {frame.f_code.co_filename}:{frame.f_lineno}")
    return draw


@contextlib.contextmanager
def random_branches_refused():
    """While the model is traced: a 0-d torch.rand() is a
    dsc_dropout.ScalarDraw, so Hugging Face's LayerDrop at p = 0
    (`torch.rand([]) < 0.0`, always False) traces without a branch on a
    traced value, and one that branches on the draw (0 < p < 1) is refused,
    naming the line; and a draw from numpy.random or Python's random (which
    tracing would make a constant, the same every step: wav2vec2's
    SpecAugment masks) is refused, naming the line, but where one number
    in [0, 1) is only compared with a number that decides the answer
    (MusicGen's LayerDrop at 0: `random.uniform(0, 1) < 0`)."""
    rand = torch.rand
    saved = [(module, name, getattr(module, name)) for module, name in _host_draws()]
    torch.rand = dsc_dropout.scalar_draws(rand)
    for module, name, function in saved:
        setattr(module, name, _refusing(module, name, function))
    try:
        yield
    except BaseException as e:
        cause = e
        while cause is not None and not isinstance(cause, (dsc_dropout.RandomBranch, HostDraw)):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        if isinstance(cause, HostDraw):
            fail(f"the model draws a random number on the host ({cause}) while it is traced: "
                 "the number would be a constant of the program, the same at every step; draw "
                 "it with torch (torch.rand, torch.bernoulli), pass it as an input, or turn "
                 "that randomness off (wav2vec2's mask_time_prob=0, mask_feature_prob=0)")
        fail(f"the model branches on a random number ({cause}: LayerDrop with p > 0?); "
             "a compiled step cannot follow control flow that depends on a draw: set the "
             "probability to 0 (layerdrop, encoder_layerdrop, decoder_layerdrop)")
    finally:
        torch.rand = rand
        for module, name, function in saved:
            setattr(module, name, function)


def export_program(model, inputs, output, decompose):
    """torch.export of the training forward (drop_data_checks,
    lower_functions), saved atomically. An autocast region inside forward
    is kept (lower_functions writes its casts out); one around this call is
    refused: torch.export records none of its casts."""
    for device in ("cpu", "cuda"):
        if torch.is_autocast_enabled(device):
            fail(f"export_program runs under torch.autocast({device!r}), which torch.export "
                 "does not record: the program would compute in float32; put the autocast "
                 "inside forward (as Hugging Face's Trainer wraps model.forward)")
    with lower_flex.flex_attention_on_cpu(), random_branches_refused():
        program = torch.export.export(model, inputs)
    drop_data_checks(program)
    program = lower_functions(program)
    if decompose:
        program = program.run_decompositions()
    # torch.export.save wants a .pt2 name; the archive's root folder is its stem.
    stem = output[:-4] if output.endswith(".pt2") else output
    tmp = stem + ".tmp.pt2"
    try:
        torch.export.save(program, tmp)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def trace(model, model_name, tokens, labels, output):
    """torch.jit.trace of the training forward, saved with dsc_save."""
    # trace() re-runs the model to check the graph; with active dropout the two
    # runs differ by construction, so skip the check then (the graph itself,
    # aten::dropout with train=True, is still right).
    deterministic = not any(isinstance(m, torch.nn.Dropout) and m.p > 0 for m in model.modules())

    # Trace warnings (e.g. a Python value baked in as a constant) would mean the
    # graph silently specializes on something; treat them as errors.
    # A model class may name warnings it knows to be harmless in its class
    # attribute benign_tracer_warnings: each entry a regular expression matched
    # at the start of the message, or a pair (message, module) with a second
    # one matched at the start of the name of the module that warned.
    # E.g. torch.tensor(torch.finfo(dtype).min) inside forward, which HF code
    # writes and which is a true constant.
    with warnings.catch_warnings():
        warnings.simplefilter("error", torch.jit.TracerWarning)
        for entry in getattr(type(model), "benign_tracer_warnings", ()):
            message, module = (entry, "") if isinstance(entry, str) else entry
            warnings.filterwarnings("ignore", message=message, category=torch.jit.TracerWarning,
                                    module=module)
        try:
            with random_branches_refused():
                traced = torch.jit.trace(model, (tokens, labels), check_trace=deterministic)
        except Exception as e:
            # The warning-turned-exception usually surfaces wrapped (e.g. in a
            # SystemError from Tensor.__float__); report the root cause.
            cause = e
            while cause is not None and not isinstance(cause, torch.jit.TracerWarning):
                cause = cause.__cause__ or cause.__context__
            if cause is None:
                raise
            print(f"export.py: error: tracing {model_name} emitted a TracerWarning: {cause}",
                  file=sys.stderr)
            sys.exit(1)
    dsc_save.save(traced, output, {"tokens": tokens, "labels": labels})


if __name__ == "__main__":
    sys.exit(main())
