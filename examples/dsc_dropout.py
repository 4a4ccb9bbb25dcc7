"""dsc's dropout draw in PyTorch (docs/dropout.md), for references that must
drop the elements a compiled step drops.

    with dsc_dropout.patched(step=k):
        loss = model(tokens, labels)      # the k-th training step (from 1)

replaces torch.nn.functional.dropout (what nn.Dropout calls) and
torch.nn.functional.scaled_dot_product_attention with dropout_p > 0 (as
its math backend, which trains with dropout on a CPU) for the forward
pass: the n-th active dropout of the pass (p > 0, training) draws stream
n, as ds-import numbers the program's dropouts. keep_mask() is the draw
itself.
"""

import contextlib

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


def keep_mask(shape, p, step, stream, seed=0, device="cpu"):
    """The boolean mask ds.dropout_mask draws: True where kept."""
    key = _mix_word(((seed + 1) * _GOLDEN) & _WORD)
    key = _mix_word(key ^ (((step + 1) * _GOLDEN) & _WORD))
    key = _mix_word(key ^ (((stream + 1) * _GOLDEN) & _WORD))
    count = 1
    for size in shape:
        count *= size
    counter = torch.arange(1, count + 1, dtype=torch.int64, device=device)
    z = counter * _signed(_GOLDEN) + _signed(key)
    threshold = int(p * 2.0 ** 53)
    return (_shift_right(_mix(z), 11) >= threshold).reshape(shape)


@contextlib.contextmanager
def patched(step, seed=0):
    """torch.nn.functional.dropout drawing dsc's masks for training step
    `step`, computed as ATen's CPU dropout computes it: input * noise, the
    noise the mask divided by 1 - p."""
    original = torch.nn.functional.dropout
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

    torch.nn.functional.dropout = dropout
    torch.nn.functional.scaled_dot_product_attention = sdpa
    try:
        yield
    finally:
        torch.nn.functional.dropout = original
        torch.nn.functional.scaled_dot_product_attention = original_sdpa
