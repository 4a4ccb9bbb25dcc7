"""Checks examples/lower_flex.py's dense_flex_attention against block
tables read one by one: a query block attends to the key blocks its
partial list names (through mask_mod) and those its full list names
(without it), and to no other, as FlexAttention's kernel does (PyTorch's
dense CPU implementation applies mask_mod everywhere and ignores the
tables); a query that sees no key gets zeros and a -inf logsumexp. In
float64, against a reference written with loops; prints one line per
case and exits non-zero on a mismatch."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import lower_flex  # noqa: E402

torch.manual_seed(0)
B, H, HKV, S, D, BLOCK = 2, 4, 2, 12, 8, 4
BLOCKS = S // BLOCK


def reference(q, k, v, partial, full, score_mod, mask_mod, scale):
    out = torch.zeros(B, H, S, D, dtype=torch.float64)
    lse = torch.full((B, H, S), -math.inf, dtype=torch.float64)
    for b in range(B):
        for h in range(H):
            for i in range(S):
                logits = []
                for j in range(S):
                    listed_full = full[b, h, i // BLOCK, j // BLOCK]
                    listed = partial[b, h, i // BLOCK, j // BLOCK]
                    keep = listed_full or (listed and mask_mod(b, h, i, j))
                    if keep:
                        s = (q[b, h, i] @ k[b, h * HKV // H, j]).item() * scale
                        logits.append((j, score_mod(s, b, h, i, j)))
                if logits:
                    top = max(s for _, s in logits)
                    total = sum(math.exp(s - top) for _, s in logits)
                    lse[b, h, i] = top + math.log(total)
                    for j, s in logits:
                        out[b, h, i] += math.exp(s - top) / total * v[b, h * HKV // H, j]
    return out, lse


def ordered(dense):
    """(num, indices) of a dense [.., q blocks, kv blocks] table, listed in
    a scrambled order (the kernel reads the first num entries, any order)."""
    num = dense.sum(-1).to(torch.int32)
    indices = torch.zeros(dense.shape, dtype=torch.int32)
    for pos in torch.cartesian_prod(*[torch.arange(n) for n in dense.shape[:-1]]):
        listed = dense[tuple(pos)].nonzero().flatten().flip(0)
        indices[tuple(pos)][:len(listed)] = listed.to(torch.int32)
    return num, indices


def main():
    q = torch.randn(B, H, S, D, dtype=torch.float64)
    k = torch.randn(B, HKV, S, D, dtype=torch.float64)
    v = torch.randn(B, HKV, S, D, dtype=torch.float64)
    # Partial and full blocks, per batch and head; query block 1 of batch
    # 1, head 2 lists nothing (its rows see no key).
    partial = torch.rand(B, H, BLOCKS, BLOCKS) < 0.5
    full = (torch.rand(B, H, BLOCKS, BLOCKS) < 0.3) & ~partial
    partial[1, 2, 1] = False
    full[1, 2, 1] = False
    slopes = torch.tensor([0.5, 0.25, 0.125, 0.0625], dtype=torch.float64)

    def score_mod(score, b, h, i, j):
        return score - slopes[h] * (i - j)

    def mask_mod(b, h, i, j):
        return (i + j + b) % 3 != 0

    def score_scalar(s, b, h, i, j):
        return s - slopes[h].item() * (i - j)

    cases = {
        "dense tables": dict(partial=partial, partial_num=None, partial_indices=None, full=full,
                             full_num=None, full_indices=None),
        "ordered tables": dict(partial=None, partial_num=ordered(partial)[0],
                               partial_indices=ordered(partial)[1], full=None,
                               full_num=ordered(full)[0], full_indices=ordered(full)[1]),
        "no full tables": dict(partial=partial, partial_num=None, partial_indices=None,
                               full=None, full_num=None, full_indices=None),
    }
    failed = 0
    for name, tables in cases.items():
        no_full = tables["full"] is None and tables["full_num"] is None
        out, lse, _ = lower_flex.dense_flex_attention(
            q, k, v, tables["partial"], tables["partial_num"], tables["partial_indices"],
            tables["full"], tables["full_num"], tables["full_indices"], (), (),
            score_mod=score_mod, mask_mod=mask_mod, scale=0.3, q_block=BLOCK, kv_block=BLOCK)
        want_out, want_lse = reference(q, k, v, partial, torch.zeros_like(full) if no_full else full,
                                       score_scalar, lambda b, h, i, j: mask_mod(b, h, i, j),
                                       0.3)
        error = (out - want_out).abs().max().item()
        lse_ok = torch.equal(torch.isinf(lse * math.log(2)), torch.isinf(want_lse)) and torch.allclose(
            (lse * math.log(2))[~torch.isinf(want_lse)], want_lse[~torch.isinf(want_lse)],
            rtol=1e-12, atol=1e-12)
        blind = out[1, 2, BLOCK:2 * BLOCK]
        ok = error < 1e-12 and lse_ok and torch.count_nonzero(blind) == 0
        failed += not ok
        print(f"{name}: {'ok' if ok else 'MISMATCH'} (max error {error:.1e}, "
              f"logsumexp {'ok' if lse_ok else 'wrong'}, blind rows zero: "
              f"{torch.count_nonzero(blind) == 0})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
