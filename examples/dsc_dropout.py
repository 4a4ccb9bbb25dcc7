"""dsc's random draws in PyTorch (docs/dropout.md), for references that must
drop the elements, and draw the numbers, that a compiled step does.

    with dsc_dropout.patched(step=k):
        loss = model(tokens, labels)      # the k-th training step (from 1)

replaces, for the forward pass, torch.nn.functional.dropout (what
nn.Dropout calls), the channel dropouts (nn.Dropout1d/2d/3d, through
torch._VF.feature_dropout), torch.nn.functional.scaled_dot_product_attention
with dropout_p > 0 (as its math backend, which trains with dropout on a
CPU), torch.rand, torch.rand_like, torch.bernoulli, Tensor.bernoulli(_),
Tensor.uniform_, torch.randn, torch.randn_like, torch.normal (of numbers)
and Tensor.normal_: the active draws of the pass (dropouts with p > 0 in
training, random tensors) take streams 0, 1, ... in order, as ds-import
numbers the program's draws (a normal draw takes two).
keep_mask(), uniform() and normal() are the draws themselves.
"""

import contextlib
import math
import sys

import torch

_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_WORD = (1 << 64) - 1


def _signed(value):
    """A 64-bit word as the int64 that holds it."""
    value &= _WORD
    return value - (1 << 64) if value >> 63 else value


def _mix_word(z):
    z = ((z ^ (z >> 30)) * _MIX1) & _WORD
    z = ((z ^ (z >> 27)) * _MIX2) & _WORD
    return z ^ (z >> 31)


def _shift_right(z, bits):
    """Logical shift of int64 words (torch shifts them arithmetically)."""
    return torch.bitwise_and(torch.bitwise_right_shift(z, bits), _WORD >> bits)


def _mix(z):
    z = torch.bitwise_xor(z, _shift_right(z, 30)) * _signed(_MIX1)
    z = torch.bitwise_xor(z, _shift_right(z, 27)) * _signed(_MIX2)
    return torch.bitwise_xor(z, _shift_right(z, 31))


def _words(shape, step, stream, seed, device):
    """The hashed counters of a draw of `shape`, one int64 word an element."""
    key = _mix_word(((seed + 1) * _GOLDEN) & _WORD)
    key = _mix_word(key ^ (((step + 1) * _GOLDEN) & _WORD))
    key = _mix_word(key ^ (((stream + 1) * _GOLDEN) & _WORD))
    count = 1
    for size in shape:
        count *= size
    counter = torch.arange(1, count + 1, dtype=torch.int64, device=device)
    return _mix(counter * _signed(_GOLDEN) + _signed(key)).reshape(shape)


def keep_mask(shape, p, step, stream, seed=0, device="cpu"):
    """The boolean mask ds.dropout_mask draws: True where kept."""
    threshold = int(p * 2.0 ** 53)
    return _shift_right(_words(shape, step, stream, seed, device), 11) >= threshold


# The bits of a uniform number of each type: those its significand holds.
_UNIFORM_BITS = {torch.float64: 53, torch.float32: 24, torch.float16: 11, torch.bfloat16: 8}


def uniform(shape, dtype, step, stream, seed=0, device="cpu"):
    """The numbers in [0, 1) ds.uniform draws: each word's top m bits times
    2^-m, m the bits `dtype` holds exactly."""
    bits = _UNIFORM_BITS[dtype]
    top = _shift_right(_words(shape, step, stream, seed, device), 64 - bits)
    return top.to(dtype) * 2.0 ** -bits


def normal(shape, step, stream, seed=0, device="cpu"):
    """The standard normal numbers ds-import composes for torch.randn, in
    float64: Box-Muller of the uniform draws of streams `stream` and
    `stream + 1`, sqrt(-2 log(1 - u1)) * cos(2 pi u2)."""
    u1 = uniform(shape, torch.float64, step, stream, seed, device)
    u2 = uniform(shape, torch.float64, step, stream + 1, seed, device)
    return torch.sqrt(torch.log(1 - u1) * -2) * torch.cos(u2 * (2 * math.pi))


class RandomBranch(BaseException):
    """A model compared a random number in [0, 1) with a value the answer
    depends on (LayerDrop with 0 < p < 1): its control flow depends on the
    draw. A BaseException, so that model code catching Exception lets it
    through."""

    def __init__(self, what, where):
        super().__init__(f"{what} at {where}")


def _caller(depth=2):
    """'file:line' of the code `depth` calls up from this function (2: the
    caller of its caller)."""
    frame = sys._getframe(depth)
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# For each comparison of a number u in [0, 1) with p: the answer wherever
# it is the same for every u, else None. NaN compares False.
_CERTAIN = {
    "<": lambda p: False if p <= 0 else True if p >= 1 else None,
    "<=": lambda p: False if p < 0 else True if p >= 1 else None,
    ">": lambda p: True if p < 0 else False if p >= 1 else None,
    ">=": lambda p: True if p <= 0 else False if p >= 1 else None,
}


def decide(op, p, what, where):
    """The comparison `draw op p` of a draw in [0, 1) with a Python number,
    decided without the draw, or RandomBranch."""
    if p != p:
        return False
    answer = _CERTAIN[op](p)
    if answer is None:
        raise RandomBranch(f"{what} {op} {p}", where)
    return answer


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unwrap(value):
    if isinstance(value, ScalarDraw):
        return value.tensor()
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class Comparisons:
    """<, <=, > and >= through the class's _compare(op, other)."""

    def __lt__(self, other):
        return self._compare("<", other)

    def __le__(self, other):
        return self._compare("<=", other)

    def __gt__(self, other):
        return self._compare(">", other)

    def __ge__(self, other):
        return self._compare(">=", other)


class ScalarDraw(Comparisons):
    """A 0-d torch.rand() drawn when first used (`draw` makes it). Hugging
    Face's LayerDrop draws one per layer and only compares it,
    `torch.rand([]) < layerdrop`: a draw lies in [0, 1), so compared with a
    Python number the answer is often the same for every draw (below p <= 0
    is False, below p >= 1 True), decided without drawing (torch.export
    cannot branch on a traced value, and ds-import drops a draw nothing
    reads: no stream is taken). Where the answer depends on the draw the
    comparison raises RandomBranch. Every other use draws the tensor and
    acts on it."""

    def __init__(self, draw):
        self._draw = draw
        self._tensor = None

    def tensor(self):
        if self._tensor is None:
            self._tensor = self._draw()
        return self._tensor

    def _compare(self, op, other):
        if _is_number(other):
            return decide(op, other, "torch.rand(())", _caller(3))
        return {"<": torch.lt, "<=": torch.le, ">": torch.gt, ">=": torch.ge}[op](
            self.tensor(), _unwrap(other))

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return func(*_unwrap(args), **_unwrap(kwargs or {}))

    def __getattr__(self, name):
        return getattr(self.tensor(), name)


def _delegate(name):
    def method(self, *args):
        return getattr(self.tensor(), name)(*_unwrap(args))
    method.__name__ = name
    return method


for _name in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
              "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__",
              "__eq__", "__ne__", "__bool__", "__float__", "__int__",
              "__repr__", "__format__"):
    setattr(ScalarDraw, _name, _delegate(_name))


def scalar_draws(rand):
    """torch.rand, but a 0-d draw whose result is returned (not written to
    `out=`) is a ScalarDraw of what `rand` draws."""

    def patched_rand(*size, **kwargs):
        shape = _size(size) if size or "size" not in kwargs else tuple(kwargs["size"])
        if len(shape) == 0 and "out" not in kwargs:
            return ScalarDraw(lambda: rand(*size, **kwargs))
        return rand(*size, **kwargs)
    return patched_rand


def _size(size):
    """torch.rand's size, given as one sequence or as numbers."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, torch.Size)):
        return tuple(size[0])
    return tuple(size)


@contextlib.contextmanager
def patched(step, seed=0):
    """PyTorch's dropouts and random tensors drawing dsc's numbers for
    training step `step`; a dropout computed as ATen's CPU dropout computes
    it: input * noise, the noise the mask divided by 1 - p."""
    stream = [0]

    def dropout(input, p=0.5, training=True, inplace=False):
        if not training or p == 0:
            return input
        if p == 1:
            return input * torch.zeros((), dtype=input.dtype, device=input.device)
        mask = keep_mask(input.shape, p, step, stream[0], seed, input.device)
        stream[0] += 1
        noise = mask.to(input.dtype).div_(1 - p)
        if inplace:
            return input.mul_(noise)
        return input * noise

    original_sdpa = torch.nn.functional.scaled_dot_product_attention

    def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
             scale=None, enable_gqa=False):
        if dropout_p == 0:
            return original_sdpa(query, key, value, attn_mask=attn_mask, dropout_p=0.0,
                                 is_causal=is_causal, scale=scale, enable_gqa=enable_gqa)
        # ATen's _scaled_dot_product_attention_math: half and bfloat16 in
        # float, sqrt(scale) on each of q and k, _safe_softmax.
        if is_causal and attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask "
                               "should not be set when is_causal=True")
        dtype = query.dtype
        if dtype in (torch.float16, torch.bfloat16):
            query, key, value = query.float(), key.float(), value.float()
        scale = 1.0 / query.size(-1) ** 0.5 if scale is None else scale
        factor = abs(scale) ** 0.5
        if enable_gqa and key.size(-3) != query.size(-3):
            repeats = query.size(-3) // key.size(-3)
            key = key.repeat_interleave(repeats, -3)
            value = value.repeat_interleave(repeats, -3)
        scores = (query * (factor if scale >= 0 else -factor)) @ (key.transpose(-2, -1) * factor)
        if is_causal:
            attn_mask = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool,
                                   device=query.device).tril()
        if attn_mask is not None and attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        elif attn_mask is not None:
            scores = scores + attn_mask
        # A row that sees no key gets zeros and no gradient.
        sees_nothing = scores.eq(float("-inf")).all(-1, keepdim=True)
        probs = torch.softmax(scores.masked_fill(sees_nothing, 0.0), dim=-1)
        probs = probs.masked_fill(sees_nothing, 0.0)
        return (dropout(probs, dropout_p, True) @ value).to(dtype)

    def next_uniform(shape, dtype, device):
        numbers = uniform(shape, dtype, step, stream[0], seed, device)
        stream[0] += 1
        return numbers

    def next_normal(shape, dtype, device, mean=0.0, std=1.0):
        numbers = normal(shape, step, stream[0], seed, device)
        stream[0] += 2
        if std != 1:
            numbers = numbers * std
        if mean != 0:
            numbers = numbers + mean
        return numbers.to(dtype)

    def feature_dropout(input, p, train):
        # ATen's _dropout_impl: a noise per channel, [N, C, 1, ...].
        if not train or p == 0:
            return input
        if p == 1:
            return input * torch.zeros((), dtype=input.dtype, device=input.device)
        shape = input.shape[:2] + (1,) * (input.dim() - 2)
        mask = keep_mask(shape, p, step, stream[0], seed, input.device)
        stream[0] += 1
        return input * mask.to(input.dtype).div_(1 - p)

    def factories(next_draw):
        """torch.rand and rand_like (randn, randn_like) drawing with next_draw."""

        def draw(*size, dtype=None, device=None, generator=None, requires_grad=False, **kwargs):
            shape = _size(size) if size else tuple(kwargs["size"])
            numbers = next_draw(shape, dtype or torch.get_default_dtype(), device or "cpu")
            return numbers.requires_grad_(requires_grad)

        def draw_like(input, dtype=None, device=None, **_):
            return next_draw(input.shape, dtype or input.dtype, device or input.device)
        return draw, draw_like

    rand, rand_like = factories(next_uniform)
    randn, randn_like = factories(next_normal)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self.copy_(next_normal(self.shape, self.dtype, self.device, mean, std))

    def normal_numbers(mean, std, size, *, generator=None, dtype=None, device=None, **_):
        if isinstance(mean, torch.Tensor) or isinstance(std, torch.Tensor):
            raise NotImplementedError("dsc imports torch.normal of numbers only")
        return next_normal(tuple(size), dtype or torch.get_default_dtype(), device or "cpu",
                           mean, std)

    def draw_bernoulli(input, p):
        numbers = next_uniform(input.shape, torch.float64, input.device)
        if isinstance(p, torch.Tensor):
            p = p.to(torch.float64)
        return (numbers < p).to(input.dtype)

    def bernoulli(input, p=None, generator=None, **_):
        return draw_bernoulli(input, input if p is None else p)

    # The in-place draws copy with autograd on: the old value of a tensor in
    # the graph gets no gradient, as from PyTorch's own in-place draws.
    def bernoulli_(self, p=0.5, generator=None):
        return self.copy_(draw_bernoulli(self, p))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        numbers = next_uniform(self.shape, self.dtype, self.device)
        if b - a != 1:
            numbers = numbers * (b - a)
        if a != 0:
            numbers = numbers + a
        return self.copy_(numbers)

    replaced = [(torch.nn.functional, "dropout", dropout),
                (torch.nn.functional, "scaled_dot_product_attention", sdpa),
                (torch, "rand", scalar_draws(rand)), (torch, "rand_like", rand_like),
                (torch, "randn", randn), (torch, "randn_like", randn_like),
                (torch, "normal", normal_numbers), (torch.Tensor, "normal_", normal_),
                (torch, "bernoulli", bernoulli), (torch.Tensor, "bernoulli", bernoulli),
                (torch.Tensor, "bernoulli_", bernoulli_), (torch.Tensor, "uniform_", uniform_)]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in replaced]
    for owner, name, function in replaced:
        setattr(owner, name, function)
    def feature_dropout_(input, p, train):
        return input.copy_(feature_dropout(input, p, train))

    # torch._VF resolves names in __getattr__: an attribute set on it comes
    # first, and deleting it restores the lookup.
    torch._VF.feature_dropout = feature_dropout
    torch._VF.feature_dropout_ = feature_dropout_
    try:
        yield
    finally:
        for owner, name, function in saved:
            setattr(owner, name, function)
        del torch._VF.feature_dropout
        del torch._VF.feature_dropout_
