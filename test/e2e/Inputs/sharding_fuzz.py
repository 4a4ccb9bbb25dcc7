"""Numeric fuzzer for the ops' sharding rules.

Each case is a small forward function of randomly chosen ds ops with random
operand shapes. Every float operand is `input * weight`: a model input that
-ds-propagate-sharding splits (a random dimension over sp through --seq-dims, another
over dp through --batch-dims, or none) times a trainable weight of the same
shape. Every result `r` adds `sum(r * p)` to the loss, with `p` a trainable
weight of r's shape. So the gradient of `p` is the op's result and the
gradient of an operand's weight is the input times the op's
vector-Jacobian product: one training step dumps both the forward and the
backward of every op (the backward ops come from -ds-autodiff).

The case is compiled for one rank and for a random mesh (sp 2-4, dp 2-4 or
dp 2 x sp 2), both run with ds-run on the same random data, and every
gradient is compared at relative 1e-5 (compare.py), the loss at 1e-5 of the
sum of the magnitudes of its products. A compiler
crash, a run failure or a mismatch fails the case; the case's files stay in
the work directory with a line to rerun it.

With --chain P a float operand is, with probability P, an earlier op's
result (reshaped or sliced to the shape, times a weight) instead of a fresh
input: the ops form a graph whose values reach an op with different split
and padding histories, which is where propagation has to reconcile them.

With --extras the mesh run also gets a random ZeRO stage, activation
checkpointing (selective, full) or activations in host memory, and
sometimes optimizer state in host memory (drawn apart from the case).

  sharding_fuzz.py --cases N [--seed S] [--ops K] [--chain P] [--extras] [--work DIR]
      [--only OPS]

Tools come from PATH (lit puts the build's bin first).
"""

import argparse
import functools
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "examples"))
import safetensors_io  # noqa: E402
import torch  # noqa: E402

IGNORE = -100


def tensor_type(shape, dtype="f32"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + dtype + ">"


def dims_of(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


class Case:
    """One forward function under construction, with its inputs, weights and
    data, and the splits of its inputs for a mesh."""

    def __init__(self, rng, dp, sp):
        self.rng, self.dp, self.sp = rng, dp, sp
        self.args = []  # (ssa, name, type, attrs)
        self.lines = []
        self.terms = []
        self.inputs = {}  # name -> tensor
        self.weights = {}
        self.seq_dims, self.batch_dims = {}, {}
        self.counter = 0
        self.prefix = "op"
        # Chaining: float results of earlier ops, and the probability that
        # a float operand reuses one (reshaped, sliced) instead of a fresh
        # input, so that ops meet with different split histories.
        self.pool = []  # (ssa, shape)
        self.chain = 0.0

    def fresh(self, hint="v"):
        self.counter += 1
        return f"%{hint}{self.counter}"

    def emit(self, line):
        self.lines.append("  " + line)

    # -- operands and results ------------------------------------------------

    def split_dims(self, name, shape, integer):
        """Chooses which dimensions of input `name` the mesh splits: a float
        input may stay whole; an integer input is always split (-ds-propagate-sharding
        splits every integer input), so its shape must offer dimensions."""
        rng = self.rng
        if not integer and rng.random() < 0.25:
            return
        dims = range(len(shape))
        seq = batch = None
        if self.sp > 1:
            fits = [d for d in dims if shape[d] % self.sp == 0]
            # Sometimes a dimension sp does not divide: the sequence padding.
            pads = [d for d in dims if shape[d] % self.sp and shape[d] > 1]
            if pads and rng.random() < 0.15:
                seq = rng.choice(pads)
            elif fits:
                seq = rng.choice(fits)
        if self.dp > 1:
            fits = [d for d in dims if shape[d] % self.dp == 0 and d != seq]
            if fits:
                batch = rng.choice(fits)
        if (self.sp > 1 and seq is None) or (self.dp > 1 and batch is None):
            if integer:
                raise ValueError("the mesh cannot split this integer input")
            return
        if seq is not None:
            self.seq_dims[name] = seq
        if batch is not None:
            self.batch_dims[name] = batch

    def float_operand(self, shape, domain="any"):
        """`input * weight` of `shape`; `domain` "pos" keeps both in [0.5, 2]
        ("unit" in (-0.9, 0.9), "above1" in [1.1, 2.1]).
        With chaining the input may be an earlier result instead."""
        if domain == "any" and self.pool and self.rng.random() < self.chain:
            v = self.earlier_result(shape)
            if v is not None:
                return v
        self.counter += 1
        name = f"{self.prefix}.x{self.counter}"
        wname = f"{self.prefix}.w{self.counter}"
        x, w = self.fresh("x"), self.fresh("w")
        self.args.append((x, name, tensor_type(shape), "ds.input"))
        self.args.append((w, wname, tensor_type(shape), "ds.trainable"))
        self.inputs[name] = self.data(shape, domain)
        self.weights[wname] = self.data(shape, domain)
        self.split_dims(name, shape, integer=False)
        v = self.fresh()
        t = tensor_type(shape)
        self.emit(f"{v} = ds.mul {x}, {w} : ({t}, {t}) -> {t}")
        return v

    def earlier_result(self, shape):
        """An earlier result as an operand of `shape`, times a weight: the
        same shape as it is; the same number of elements reshaped (through
        the flattened vector when the dimensions do not line up); more
        elements flattened and sliced to the first ones. None if no earlier
        result has enough elements."""
        n = math.prod(shape)
        fits = [(v, s) for v, s in self.pool if math.prod(s) >= n]
        if not fits:
            return None
        same = [(v, s) for v, s in fits if math.prod(s) == n]
        v, s = self.rng.choice(same if same and self.rng.random() < 0.7 else fits)
        if s != shape:
            m = math.prod(s)
            if m != n or self.rng.random() < 0.3:
                flat = self.fresh()
                self.emit(f"{flat} = ds.reshape {v} : ({tensor_type(s)}) -> {tensor_type([m])}")
                v, s = flat, [m]
            if m != n:
                cut = self.fresh()
                self.emit(f"{cut} = ds.slice {v} starts = [0] limits = [{n}] strides = [1] : "
                          f"({tensor_type(s)}) -> {tensor_type([n])}")
                v, s = cut, [n]
            if s != shape:
                r = self.fresh()
                self.emit(f"{r} = ds.reshape {v} : ({tensor_type(s)}) -> {tensor_type(shape)}")
                v = r
        self.counter += 1
        wname = f"{self.prefix}.w{self.counter}"
        w, out = self.fresh("w"), self.fresh()
        self.args.append((w, wname, tensor_type(shape), "ds.trainable"))
        self.weights[wname] = self.data(shape, "any")
        t = tensor_type(shape)
        self.emit(f"{out} = ds.mul {v}, {w} : ({t}, {t}) -> {t}")
        return out

    def float_input(self, shape):
        """A float input that no weight multiplies (it gets no gradient)."""
        self.counter += 1
        name = f"{self.prefix}.b{self.counter}"
        x = self.fresh("b")
        self.args.append((x, name, tensor_type(shape), "ds.input"))
        self.inputs[name] = self.data(shape, "any")
        self.split_dims(name, shape, integer=False)
        return x

    def int_operand(self, shape, low, high, ignore_fraction=0.0):
        """An integer input with values in [low, high), some `ignore_index`."""
        self.counter += 1
        name = f"{self.prefix}.i{self.counter}"
        x = self.fresh("i")
        self.args.append((x, name, tensor_type(shape, "i64"), "ds.input"))
        g = torch.Generator().manual_seed(self.rng.randrange(1 << 30))
        data = torch.randint(low, high, shape, generator=g, dtype=torch.int64)
        if ignore_fraction:
            drop = torch.rand(shape, generator=g) < ignore_fraction
            data[drop] = IGNORE
            data.view(-1)[0] = low  # at least one position counts
        self.inputs[name] = data
        self.split_dims(name, shape, integer=True)
        return x

    def data(self, shape, domain):
        g = torch.Generator().manual_seed(self.rng.randrange(1 << 30))
        if domain == "pos":
            return torch.rand(shape, generator=g) * 1.5 + 0.5
        if domain == "unit":  # products in (-0.81, 0.81): asin, atanh, tan
            return torch.rand(shape, generator=g) * 1.8 - 0.9
        if domain == "above1":  # products in [1.21, 4.41]: acosh
            return torch.rand(shape, generator=g) + 1.1
        return torch.randn(shape, generator=g)

    def result(self, v, shape, dtype="f32"):
        """Adds `sum(v * p)` to the loss."""
        if dtype != "f32":
            c = self.fresh()
            self.emit(f"{c} = ds.convert {v} : ({tensor_type(shape, dtype)}) -> "
                      f"{tensor_type(shape)}")
            v = c
        else:
            self.pool.append((v, list(shape)))
        self.counter += 1
        pname = f"{self.prefix}.p{self.counter}"
        p = self.fresh("p")
        self.args.append((p, pname, tensor_type(shape), "ds.trainable"))
        self.weights[pname] = self.data(shape, "any")
        t = tensor_type(shape)
        prod, term = self.fresh(), self.fresh()
        self.emit(f"{prod} = ds.mul {v}, {p} : ({t}, {t}) -> {t}")
        if shape:
            self.emit(f"{term} = ds.sum {prod} dims = {dims_of(range(len(shape)))} "
                      f": ({t}) -> tensor<f32>")
        else:
            term = prod
        self.terms.append(term)

    # -- the module ------------------------------------------------------------

    def module(self):
        args = ", ".join(f'{ssa}: {t} {{{attr}, ds.name = "{name}"}}'
                         for ssa, name, t, attr in self.args)
        body = list(self.lines)
        loss = self.terms[0]
        for term in self.terms[1:]:
            v = self.fresh()
            body.append(f"  {v} = ds.add {loss}, {term} : (tensor<f32>, tensor<f32>) -> tensor<f32>")
            loss = v
        return ("func.func @forward(" + args + ") -> tensor<f32> {\n" + "\n".join(body)
                + f"\n  return {loss} : tensor<f32>\n}}\n")


# -- shapes --------------------------------------------------------------------

SIZES = [1, 2, 3, 4, 4, 6, 8, 8, 12]


def shape(rng, rank, sizes=SIZES):
    return [rng.choice(sizes) for _ in range(rank)]


def broadcastable(rng, full):
    """A shape that broadcasts to `full`: leading dims dropped, some set to 1."""
    drop = rng.randrange(len(full) + 1) if rng.random() < 0.4 else 0
    return [1 if rng.random() < 0.3 else d for d in full[drop:]]


def broadcast_shape(a, b):
    n = max(len(a), len(b))
    a = [1] * (n - len(a)) + list(a)
    b = [1] * (n - len(b)) + list(b)
    return [max(x, y) for x, y in zip(a, b)]


# -- one generator per op ------------------------------------------------------

UNARY = ["neg", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "tanh", "sin", "cos",
         "erf", "relu", "silu", "sigmoid", "gelu", "pow", "round", "tan", "asin", "acos", "atan",
         "sinh", "cosh", "asinh", "acosh", "atanh", "exp2", "erfinv"]
BINARY = ["add", "sub", "mul", "div", "maximum", "atan2", "power", "logaddexp"]


def gen_unary(op, case, rng):
    s = shape(rng, rng.randint(1, 4))
    positive = ("log", "log2", "log10", "log1p", "sqrt", "rsqrt", "pow")
    unit = ("tan", "asin", "acos", "atanh", "erfinv")
    domain = ("pos" if op in positive else "unit" if op in unit
              else "above1" if op == "acosh" else "any")
    x = case.float_operand(s, domain)
    v, t = case.fresh(), tensor_type(s)
    if op == "gelu":
        case.emit(f"{v} = ds.gelu {x} approximate = {rng.choice(['none', 'tanh'])} : {t}")
    elif op == "round":
        mode = rng.choice(["floor", "ceil", "trunc", "even"])
        case.emit(f"{v} = ds.round {x} mode = {mode} : {t}")
    elif op == "pow":
        case.emit(f"{v} = ds.pow {x}, {rng.choice([2.0, 3.0, 0.5])} : {t}")
    else:
        case.emit(f"{v} = ds.{op} {x} : {t}")
    case.result(v, s)
    return op


def gen_binary(op, case, rng):
    full = shape(rng, rng.randint(1, 4))
    a_shape, b_shape = full, broadcastable(rng, full)
    if rng.random() < 0.5:
        a_shape, b_shape = b_shape, a_shape
    a = case.float_operand(a_shape, "pos" if op == "power" else "any")
    b = case.float_operand(b_shape, "pos" if op == "div" else "any")
    out = broadcast_shape(a_shape, b_shape)
    v = case.fresh()
    case.emit(f"{v} = ds.{op} {a}, {b} : ({tensor_type(a_shape)}, {tensor_type(b_shape)}) -> "
              f"{tensor_type(out)}")
    case.result(v, out)
    return op


def gen_select(case, rng):
    full = shape(rng, rng.randint(1, 4))
    a_shape, b_shape = full, broadcastable(rng, full)
    a, b = case.float_operand(a_shape), case.float_operand(b_shape)
    out = broadcast_shape(a_shape, b_shape)
    direction = rng.choice(["gt", "lt", "ge", "le"])
    c, v = case.fresh(), case.fresh()
    ta, tb = tensor_type(a_shape), tensor_type(b_shape)
    case.emit(f"{c} = ds.compare {direction}, {a}, {b} : ({ta}, {tb}) -> {tensor_type(out, 'i1')}")
    case.emit(f"{v} = ds.select {c}, {a}, {b} : ({tensor_type(out, 'i1')}, {ta}, {tb}) -> "
              f"{tensor_type(out)}")
    case.result(v, out)
    case.result(c, out, "i1")
    return "compare+select"


def gen_broadcast(case, rng):
    full = shape(rng, rng.randint(1, 4))
    small = broadcastable(rng, full)
    x, v = case.float_operand(small), case.fresh()
    case.emit(f"{v} = ds.broadcast {x} : ({tensor_type(small)}) -> {tensor_type(full)}")
    case.result(v, full)
    return "broadcast"


def gen_iota_constant(case, rng):
    s = shape(rng, rng.randint(1, 3))
    x = case.float_operand(s)
    t = tensor_type(s)
    i, f, c, a, b = (case.fresh() for _ in range(5))
    case.emit(f"{i} = ds.iota dim = {rng.randrange(len(s))} : {tensor_type(s, 'i64')}")
    case.emit(f"{f} = ds.convert {i} : ({tensor_type(s, 'i64')}) -> {t}")
    values = torch.randn(s, generator=torch.Generator().manual_seed(rng.randrange(1 << 30)))
    literal = repr(values.tolist()).replace("(", "[").replace(")", "]")
    case.emit(f"{c} = ds.constant dense<{literal}> : {t}")
    case.emit(f"{a} = ds.mul {x}, {f} : ({t}, {t}) -> {t}")
    case.emit(f"{b} = ds.add {a}, {c} : ({t}, {t}) -> {t}")
    case.result(b, s)
    return "iota+constant+convert"


def draw_operands(case, rng):
    """A random shape, a float operand of it, its type and a step constant
    for a random draw."""
    s = shape(rng, rng.randint(1, 4))
    x = case.float_operand(s)
    step = case.fresh()
    case.emit(f"{step} = ds.constant dense<{rng.randrange(1, 1000)}> : tensor<i64>")
    return s, x, tensor_type(s), step


def gen_dropout(case, rng):
    s, x, t, step = draw_operands(case, rng)
    mask = tensor_type(s, "i1")
    keep, scale, zero, noise, v = (case.fresh() for _ in range(5))
    p = rng.choice([0.1, 0.5, 0.9])
    case.emit(f"{keep} = ds.dropout_mask {step} p = {p} stream = {rng.randrange(8)} "
              f"seed = {rng.randrange(1 << 20)} : (tensor<i64>) -> {mask}")
    case.emit(f"{scale} = ds.constant dense<{1 / (1 - p)}> : tensor<f32>")
    case.emit(f"{zero} = ds.constant dense<0.0> : tensor<f32>")
    case.emit(f"{noise} = ds.select {keep}, {scale}, {zero} : "
              f"({mask}, tensor<f32>, tensor<f32>) -> {t}")
    case.emit(f"{v} = ds.mul {x}, {noise} : ({t}, {t}) -> {t}")
    case.result(v, s)
    return "dropout"


def gen_uniform(case, rng):
    """x * u with u a uniform draw (what a drop path's torch.rand feeds)."""
    s, x, t, step = draw_operands(case, rng)
    u, v = case.fresh(), case.fresh()
    case.emit(f"{u} = ds.uniform {step} stream = {rng.randrange(8)} "
              f"seed = {rng.randrange(1 << 20)} : (tensor<i64>) -> {t}")
    case.emit(f"{v} = ds.mul {x}, {u} : ({t}, {t}) -> {t}")
    case.result(v, s)
    return "uniform"


def gen_matmul(case, rng):
    m, k, n = (rng.choice(SIZES) for _ in range(3))
    batch = shape(rng, rng.randint(0, 2))
    lhs_batch = batch
    rhs_batch = broadcastable(rng, batch) if batch else []
    if rng.random() < 0.5:
        lhs_batch, rhs_batch = rhs_batch, lhs_batch
    tl, tr = rng.random() < 0.3, rng.random() < 0.4
    lhs = lhs_batch + ([k, m] if tl else [m, k])
    rhs = rhs_batch + ([n, k] if tr else [k, n])
    a, b = case.float_operand(lhs), case.float_operand(rhs)
    out = broadcast_shape(lhs_batch, rhs_batch) + [m, n]
    flags = (" transpose_lhs" if tl else "") + (" transpose_rhs" if tr else "")
    v = case.fresh()
    case.emit(f"{v} = ds.matmul {a}, {b}{flags} : ({tensor_type(lhs)}, {tensor_type(rhs)}) -> "
              f"{tensor_type(out)}")
    case.result(v, out)
    return "matmul"


def gen_linear(case, rng):
    lead = shape(rng, rng.randint(0, 2))
    fin, fout = rng.choice(SIZES), rng.choice(SIZES)
    x, w = case.float_operand(lead + [fin]), case.float_operand([fout, fin])
    operands, types = f"{x}, {w}", f"{tensor_type(lead + [fin])}, {tensor_type([fout, fin])}"
    if rng.random() < 0.5:
        b = case.float_operand([fout])
        operands += f" bias {b}"
        types += f", {tensor_type([fout])}"
    v = case.fresh()
    case.emit(f"{v} = ds.linear {operands} : ({types}) -> {tensor_type(lead + [fout])}")
    case.result(v, lead + [fout])
    return "linear"


def gen_reduce(op, case, rng):
    s = shape(rng, rng.randint(1, 4))
    dims = sorted(rng.sample(range(len(s)), rng.randint(1, len(s))))
    keep = rng.random() < 0.5
    out = [1 if d in dims else n for d, n in enumerate(s)] if keep else \
        [n for d, n in enumerate(s) if d not in dims]
    x, v = case.float_operand(s), case.fresh()
    case.emit(f"{v} = ds.{op} {x} dims = {dims_of(dims)}{' keepdim' if keep else ''} : "
              f"({tensor_type(s)}) -> {tensor_type(out)}")
    case.result(v, out)
    return op


def gen_softmax(op, case, rng):
    s = shape(rng, rng.randint(1, 4))
    x, v = case.float_operand(s), case.fresh()
    case.emit(f"{v} = ds.{op} {x} dim = {rng.randrange(len(s))} : {tensor_type(s)}")
    case.result(v, s)
    return op


def gen_cumsum(case, rng):
    s = shape(rng, rng.randint(1, 4))
    x, v = case.float_operand(s), case.fresh()
    reverse = " {reverse = true}" if rng.random() < 0.5 else ""
    case.emit(f"{v} = ds.cumsum {x} dim = {rng.randrange(len(s))}{reverse} : {tensor_type(s)}")
    case.result(v, s)
    return "cumsum"


def gen_norm(op, case, rng):
    s = shape(rng, rng.randint(1, 3)) + [rng.choice([4, 6, 8])]
    x = case.float_operand(s)
    operands, types = x, [tensor_type(s)]
    if op == "rms_norm" or rng.random() < 0.7:
        operands += f" weight {case.float_operand([s[-1]])}"
        types.append(tensor_type([s[-1]]))
    if op == "layer_norm" and rng.random() < 0.6:
        operands += f" bias {case.float_operand([s[-1]])}"
        types.append(tensor_type([s[-1]]))
    v = case.fresh()
    case.emit(f"{v} = ds.{op} {operands} epsilon = 1.0e-05 : ({', '.join(types)}) -> "
              f"{tensor_type(s)}")
    case.result(v, s)
    return op


def gen_embedding(case, rng):
    vocab, dim = rng.choice([4, 6, 8, 12]), rng.choice([2, 4, 6])
    idx_shape = shape(rng, rng.randint(1, 2), [2, 4, 6, 8])
    w = case.float_operand([vocab, dim])
    i = case.int_operand(idx_shape, 0, vocab)
    v = case.fresh()
    case.emit(f"{v} = ds.embedding {w}, {i} : ({tensor_type([vocab, dim])}, "
              f"{tensor_type(idx_shape, 'i64')}) -> {tensor_type(idx_shape + [dim])}")
    case.result(v, idx_shape + [dim])
    return "embedding"


def gen_attention(case, rng):
    b = rng.choice([1, 2, 4])
    hkv = rng.choice([1, 2, 3, 4])
    hq = hkv * rng.choice([1, 1, 2, 3])
    s = rng.choice([4, 6, 8, 12])
    causal = rng.random() < 0.6
    skv = s if causal else rng.choice([4, 6, 8])
    d, dv = rng.choice([2, 4]), rng.choice([2, 4])
    qs, ks, vs = [b, hq, s, d], [b, hkv, skv, d], [b, hkv, skv, dv]
    q, k, v = (case.float_operand(x) for x in (qs, ks, vs))
    options, types = "", [tensor_type(x) for x in (qs, ks, vs)]
    if rng.random() < 0.5:
        # A bias over some of [B, Hq, S, Skv] (ALiBi, key masks, full).
        # Trainable at times (a relative position table's): its gradient.
        # Not then one broadcast over the keys: softmax is blind to a shift
        # of a row, so its gradient is zero and only rounding to compare.
        bs = [n if rng.random() < 0.6 else 1 for n in (b, hq, s, skv)]
        if rng.random() < 0.5:
            bs[3] = skv
            bias = case.float_operand(bs)
        else:
            bias = case.float_input(bs)
        fill = rng.random() < 0.4
        if fill:
            # DeBERTa's masked_fill after its bias: -inf in the bias where
            # a mask from the data hides a score (whole rows at times), the
            # attention's fill there instead.
            t, t1 = tensor_type(bs), tensor_type(bs, "i1")
            m = case.float_input(bs)
            zero, inf, c, marked = (case.fresh() for _ in range(4))
            case.emit(f"{zero} = ds.constant dense<0.0> : tensor<f32>")
            case.emit(f"{inf} = ds.constant dense<0xFF800000> : tensor<f32>")
            case.emit(f"{c} = ds.compare gt, {m}, {zero} : ({t}, tensor<f32>) -> {t1}")
            case.emit(f"{marked} = ds.select {c}, {bias}, {inf} : ({t1}, {t}, tensor<f32>) -> {t}")
            bias = marked
        options += f" bias {bias}"
        types.append(tensor_type(bs))
    else:
        fill = False
    sinks = rng.random() < 0.3
    if sinks:
        # GPT-OSS's sinks: a logit per query head, trained.
        options += f" sinks {case.float_operand([hq])}"
        types.append(tensor_type([hq]))
    # Every row must keep a key (a fully masked row is NaN, as in PyTorch):
    # with a window W the last row keeps (S - W, S), so the key length must
    # exceed S - W.
    shortest = 1
    if causal:
        options += " causal"
        # A window of 1 without sinks keeps only the diagonal: every
        # probability is 1, the query and key gradients are 0 in exact
        # arithmetic and only rounding noise on both sides (up to ~2e-5 of
        # the largest gradient, beyond compare.py's floor).
        if rng.random() < 0.4 and s >= (1 if sinks else 2):
            window = rng.randint(1 if sinks else 2, s)
            options += f" window = {window}"
            shortest = s - window + 1
    if rng.random() < 0.3:
        options += f" key_length = {rng.randint(shortest, skv)}"
    scale = f"{rng.choice([0.5, 0.25, 1.0])}"
    if rng.random() < 0.3:
        # Gemma 2's soft-cap, small enough to bend unit-sized scores.
        scale += f" softcap = {rng.choice([0.5, 1.5, 4.0])}"
    if fill:
        scale += f" fill = {rng.choice(['-3.4028234663852886E+38', '-1.0E+4'])}"
    o = case.fresh()
    case.emit(f"{o} = ds.attention {q}, {k}, {v}{options} scale = "
              f"{scale} : ({', '.join(types)}) -> "
              f"{tensor_type([b, hq, s, dv])}")
    case.result(o, [b, hq, s, dv])
    return "attention"


def gen_cross_entropy(case, rng):
    lead = shape(rng, rng.randint(1, 2), [2, 4, 6, 8])
    classes = rng.choice([3, 4, 8])
    logits = case.float_operand(lead + [classes])
    labels = case.int_operand(lead, 0, classes, ignore_fraction=0.2)
    total = rng.random() < 0.4
    v = case.fresh()
    case.emit(f"{v} = ds.cross_entropy {logits}, {labels} ignore_index = {IGNORE}"
              f"{' sum' if total else ''} : ({tensor_type(lead + [classes])}, "
              f"{tensor_type(lead, 'i64')}) -> tensor<f32>")
    case.result(v, [])
    return "cross_entropy"


def factorizations(n):
    return [d for d in range(1, n + 1) if n % d == 0]


def gen_reshape(case, rng):
    s = shape(rng, rng.randint(1, 4))
    # Merge neighbours or split a dimension into two factors, a few times.
    out = list(s)
    for _ in range(rng.randint(1, 3)):
        if len(out) > 1 and rng.random() < 0.5:
            i = rng.randrange(len(out) - 1)
            out[i:i + 2] = [out[i] * out[i + 1]]
        else:
            i = rng.randrange(len(out))
            f = rng.choice(factorizations(out[i]))
            out[i:i + 1] = [f, out[i] // f]
    x, v = case.float_operand(s), case.fresh()
    case.emit(f"{v} = ds.reshape {x} : ({tensor_type(s)}) -> {tensor_type(out)}")
    case.result(v, out)
    return "reshape"


def gen_transpose(case, rng):
    s = shape(rng, rng.randint(2, 4))
    perm = list(range(len(s)))
    rng.shuffle(perm)
    if perm == sorted(perm):  # the identity folds away: nothing to test
        perm[0], perm[1] = perm[1], perm[0]
    out = [s[p] for p in perm]
    x, v = case.float_operand(s), case.fresh()
    case.emit(f"{v} = ds.transpose {x} permutation = {dims_of(perm)} : ({tensor_type(s)}) -> "
              f"{tensor_type(out)}")
    case.result(v, out)
    return "transpose"


def gen_slice(case, rng):
    s = shape(rng, rng.randint(1, 4))
    starts, limits, strides, out = [], [], [], []
    for n in s:
        a = rng.randrange(n)
        b = rng.randint(a + 1, n)
        st = rng.choice([1, 1, 2])
        starts.append(a), limits.append(b), strides.append(st)
        out.append(len(range(a, b, st)))
    x, v = case.float_operand(s), case.fresh()
    case.emit(f"{v} = ds.slice {x} starts = {dims_of(starts)} limits = {dims_of(limits)} "
              f"strides = {dims_of(strides)} : ({tensor_type(s)}) -> {tensor_type(out)}")
    case.result(v, out)
    return "slice"


def gen_pad(case, rng):
    s = shape(rng, rng.randint(1, 3))
    low = [rng.choice([0, 0, 1, 3]) for _ in s]
    strides = [rng.choice([1, 1, 2]) for _ in s]
    out = [lo + (n - 1) * st + 1 + rng.choice([0, 1, 2]) for lo, n, st in zip(low, s, strides)]
    x, v = case.float_operand(s), case.fresh()
    case.emit(f"{v} = ds.pad {x} low = {dims_of(low)} strides = {dims_of(strides)} : "
              f"({tensor_type(s)}) -> {tensor_type(out)}")
    case.result(v, out)
    return "pad"


def gen_concat(case, rng):
    s = shape(rng, rng.randint(1, 3))
    dim = rng.randrange(len(s))
    shapes = []
    for _ in range(rng.randint(2, 3)):
        piece = list(s)
        piece[dim] = rng.choice(SIZES)
        shapes.append(piece)
    xs = [case.float_operand(p) for p in shapes]
    out = list(s)
    out[dim] = sum(p[dim] for p in shapes)
    v = case.fresh()
    case.emit(f"{v} = ds.concat {', '.join(xs)} dim = {dim} : "
              f"({', '.join(tensor_type(p) for p in shapes)}) -> {tensor_type(out)}")
    case.result(v, out)
    return "concat"


def gen_split(case, rng):
    s = shape(rng, rng.randint(1, 3))
    dim = rng.choice([d for d in range(len(s))])
    s[dim] = rng.choice([4, 6, 8, 12])
    cuts = sorted(rng.sample(range(1, s[dim]), rng.randint(1, min(2, s[dim] - 1))))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [s[dim]])]
    x = case.float_operand(s)
    outs = []
    for n in sizes:
        o = list(s)
        o[dim] = n
        outs.append(o)
    names = [case.fresh() for _ in sizes]
    case.emit(f"{', '.join(names)} = ds.split {x} dim = {dim} sizes = {dims_of(sizes)} : "
              f"({tensor_type(s)}) -> ({', '.join(tensor_type(o) for o in outs)})")
    for name, o in zip(names, outs):
        case.result(name, o)
    return "split"


GENERATORS = {
    **{op: functools.partial(gen_unary, op) for op in UNARY},
    **{op: functools.partial(gen_binary, op) for op in BINARY},
    "select": gen_select,
    "broadcast": gen_broadcast, "iota": gen_iota_constant, "matmul": gen_matmul,
    "dropout": gen_dropout, "uniform": gen_uniform,
    "linear": gen_linear,
    **{op: functools.partial(gen_reduce, op) for op in ["sum", "mean", "max"]},
    **{op: functools.partial(gen_softmax, op) for op in ["softmax", "log_softmax"]},
    "cumsum": gen_cumsum,
    **{op: functools.partial(gen_norm, op) for op in ["layer_norm", "rms_norm"]},
    "embedding": gen_embedding, "attention": gen_attention,
    "cross_entropy": gen_cross_entropy, "reshape": gen_reshape,
    "transpose": gen_transpose, "slice": gen_slice, "pad": gen_pad,
    "concat": gen_concat, "split": gen_split,
}

# Kernels that are not ops of a forward function: the collectives that
# -ds-partition inserts, the optimizer the cases do not train with, and
# reshape, which plans lower to views of the same bytes.
NOT_FUZZED = {"all_gather", "all_reduce", "all_to_all", "reduce_scatter", "local_slice",
              "adamw_update", "reshape"}

MESHES = [(1, 2), (1, 3), (1, 4), (2, 1), (3, 1), (4, 1), (2, 2)]


def build_case(seed, index, ops, only, chain):
    rng = random.Random(f"{seed}:{index}")
    dp, sp = rng.choice(MESHES)
    for attempt in range(20):
        case = Case(rng, dp, sp)
        case.chain = chain
        names = []
        kinds = only or sorted(GENERATORS)
        try:
            for k in range(ops):
                # Case i starts with generator i, so that any run of
                # len(GENERATORS) cases tries every one of them.
                kind = kinds[index % len(kinds)] if k == 0 else rng.choice(kinds)
                case.prefix = f"op{k}"
                names.append(GENERATORS[kind](case, rng))
            return case, names
        except ValueError:
            continue  # an integer input the mesh cannot split: draw again
    raise RuntimeError("could not build a case")


def run(cmd, log):
    log.write("+ " + " ".join(cmd) + "\n")
    log.flush()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(p.stdout)
    return p


def crashed(p):
    return p.returncode < 0 or "Stack dump" in p.stdout or "LLVM ERROR" in p.stdout


def extra_flags(seed, index):
    """Training options for the mesh run, drawn apart from the case (so the
    case is the same with and without them): activation checkpointing or
    activations offloaded to host memory, a ZeRO stage, the optimizer's
    optimizer state in host memory. Each must leave the result exact."""
    rng = random.Random(f"{seed}:{index}:extras")
    flags = ["--zero", str(rng.choice([0, 1, 2, 3]))]
    memory = rng.choice(["none", "selective", "full", "offload"])
    if memory == "offload":
        flags += ["--offload-activations", "cpu"]
    elif memory != "none":
        flags += ["--ac", memory]
    if rng.random() < 0.3:
        flags += ["--offload-optimizer", "cpu"]
    return flags


def run_case(seed, index, ops, only, chain, extras, work):
    case, names = build_case(seed, index, ops, only, chain)
    d = os.path.join(work, f"case{index}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "case.mlir"), "w") as f:
        f.write(case.module())
    safetensors_io.save(case.inputs, os.path.join(d, "inputs.safetensors"))
    safetensors_io.save(case.weights, os.path.join(d, "weights.safetensors"))
    mesh = []
    if case.dp > 1:
        mesh += ["--dp", str(case.dp)]
    if case.sp > 1:
        mesh += ["--sp", str(case.sp)]
    if case.seq_dims:
        mesh += ["--seq-dims", ",".join(f"{k}:{v}" for k, v in case.seq_dims.items())]
    if case.batch_dims:
        mesh += ["--batch-dims", ",".join(f"{k}:{v}" for k, v in case.batch_dims.items())]
    if extras:
        mesh += extra_flags(seed, index)
    what = f"case {index} ({', '.join(names)}; {' '.join(mesh)})"
    rerun = f"rerun: {os.path.basename(__file__)} --seed {seed} --first {index} --cases 1 --ops {ops}" + \
        (f" --chain {chain}" if chain else "") + (" --extras" if extras else "") + (f" --only {','.join(only)}" if only else "")
    log = open(os.path.join(d, "log.txt"), "w")
    outputs = {}
    # Momentum, so that the optimizer has state for ZeRO to shard and
    # offload to move (one step from a zero buffer: plain SGD's numbers).
    for tag, flags in (("one", []), ("mesh", mesh)):
        plan = os.path.join(d, tag + ".plan")
        p = run(["ds-compile", os.path.join(d, "case.mlir"), "-o", plan, "--optimizer", "sgd",
                 "--lr", "0.1", "--momentum", "0.9"] + flags, log)
        if p.returncode != 0:
            kind = "crash" if crashed(p) else "refused"
            first = [line for line in p.stdout.splitlines() if "error" in line][:1]
            return kind, f"{what}: ds-compile {tag}: {first}\n  {rerun}", set()
        ranks = case.dp * case.sp if tag == "mesh" else 1
        prefix = os.path.join(d, tag)
        p = run(["ds-run", plan] + (["-n", str(ranks)] if ranks > 1 else []) +
                ["--weights", os.path.join(d, "weights.safetensors"), "--inputs",
                 os.path.join(d, "inputs.safetensors"), "--steps", "1", "-q", "--threads", "1",
                 "--timeout", "60", "--dump-loss", prefix + ".loss", "--dump-grads",
                 prefix + ".grads"], log)
        if p.returncode != 0:
            first = [line for line in p.stdout.splitlines() if "error" in line][:1]
            return "crash", f"{what}: ds-run {tag}: {first}\n  {rerun}", set()
        outputs[tag] = prefix
    p = run(["ds-run", os.path.join(d, "mesh.plan"), "--dump-plan"], log)
    kernels = {line.split(":", 1)[1].split("(")[0].strip()
               for line in p.stdout.splitlines() if re.match(r"\s+\d+: \w+\(", line)}
    p = run([sys.executable, os.path.join(HERE, "compare.py"), "--rtol", "1e-5",
             "--tensors", outputs["mesh"] + ".grads", outputs["one"] + ".grads"], log)
    bad = [line for line in p.stdout.splitlines() if "MISMATCH" in line][:4]
    # The loss is a sum of terms of either sign: its rounding is relative to
    # the sum of the magnitudes of its products, sum |r * p|, where r, the
    # result, is the gradient of p.
    grads = safetensors_io.load(outputs["one"] + ".grads")
    scale = sum((grads[n].double() * w.double()).abs().sum().item()
                for n, w in case.weights.items() if ".p" in n)
    ours, theirs = (json.loads(open(outputs[t] + ".loss").readline())["loss"]
                    for t in ("mesh", "one"))
    if ours is None or theirs is None or abs(ours - theirs) > 1e-5 * scale:
        bad.append(f"MISMATCH loss {ours} vs {theirs} (error {abs(ours - theirs):.3g}, "
                   f"scale {scale:.3g})")
    if p.returncode != 0 and not bad:
        bad.append(p.stdout.strip().splitlines()[-1])
    if bad:
        return "mismatch", f"{what}:\n    " + "\n    ".join(bad) + f"\n  {rerun}", kernels
    shutil.rmtree(d)
    return "pass", what, kernels


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10)
    ap.add_argument("--first", type=int, default=0, help="index of the first case")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=4, help="ops per case")
    ap.add_argument("--chain", type=float, default=0.0,
                    help="probability that a float operand is an earlier op's result "
                    "(reshaped or sliced to fit) rather than a fresh input")
    ap.add_argument("--extras", action="store_true",
                    help="compile the mesh run with random --ac, --zero and offload options")
    ap.add_argument("--only", default="", help="comma-separated generators: " +
                    ",".join(sorted(GENERATORS)))
    ap.add_argument("--work", default="sharding-fuzz")
    ap.add_argument("-v", action="store_true", help="print every case")
    ap.add_argument("--require-coverage", action="store_true",
                    help="fail unless every kernel ran in some case")
    args = ap.parse_args()
    only = [g for g in args.only.split(",") if g]
    for g in only:
        if g not in GENERATORS:
            ap.error(f"unknown generator {g!r}")
    os.makedirs(args.work, exist_ok=True)
    counts = {"pass": 0, "refused": 0, "crash": 0, "mismatch": 0}
    seen = set()
    for index in range(args.first, args.first + args.cases):
        kind, message, kernels = run_case(args.seed, index, args.ops, only, args.chain, args.extras,
                                          args.work)
        counts[kind] += 1
        seen |= kernels
        if kind != "pass" or args.v:
            print(f"{kind.upper()}: {message}", flush=True)
    failed = counts["crash"] + counts["mismatch"] + counts["refused"]
    if args.require_coverage and args.cases < len(GENERATORS):
        print(f"NOT COVERED: --require-coverage needs --cases >= {len(GENERATORS)} "
              f"(one case starting with each generator), not {args.cases}")
        failed += 1
    if args.require_coverage:
        # Every kernel of the runtime but the collectives and AdamW (the
        # cases train with SGD) must have run in some partitioned case.
        listed = subprocess.run(["ds-run", "--list-kernels"], stdout=subprocess.PIPE,
                                text=True, check=True).stdout.split()
        missing = sorted(set(listed) - seen - NOT_FUZZED)
        if missing:
            print("NOT COVERED: " + ", ".join(missing))
            failed += 1
        print(f"kernels covered: {len(seen & set(listed))} of {len(listed)}")
    print(f"{counts['pass']} passed, {failed} failed "
          f"({counts['mismatch']} mismatches, {counts['crash']} crashes, "
          f"{counts['refused']} refused)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
