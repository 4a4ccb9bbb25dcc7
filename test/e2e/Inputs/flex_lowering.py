"""Checks the exporter's FlexAttention lowering (examples/export.py
lower_functions, examples/lower_flex.py) on small modules where it once
went wrong: the lowered program (exported, lowered, run by PyTorch) must
give eager PyTorch's loss and gradients (flex_attention's dense CPU
implementation) at 1e-5. Prints one line per case; exits non-zero on a
mismatch.
- "detach_": an in-place detach in the forward (run_decompositions drops
  a detach_; the gradient would flow through it);
- "detach_ in score_mod": the same inside the score_mod;
- "lse of a broadcast mask": a score_mod that ignores the score under a
  BlockMask for every batch and head alike, its logsumexp returned (it
  came back with one row per query, not per batch and head; against
  the attention written out);
- "masked_fill by a table element": masked_fill with a value read from a
  captured table (its value must be 0-d);
- "an auxiliary loss summed into torch.tensor(0.0)": the constant's
  detach_ (torch.export writes one) is dropped, not made a detach (whose
  functional form would cut the gradient of the in-place sum);
and one the lowering must refuse: "a write into a detached value"."""
import os
import sys

import torch
from torch.nn.attention.flex_attention import create_block_mask, flex_attention

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
import export  # noqa: E402
import lower_flex  # noqa: E402

B, H, S, D = 2, 2, 8, 4


def causal(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


class Projected(torch.nn.Module):
    """A module with one trainable projection w (each case's query)."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(D, D))


class InPlaceDetach(Projected):
    def forward(self, x):
        q = x @ self.w
        t = q * 2
        t.detach_()
        return flex_attention(q + t, x, x).sum()


class DetachInScoreMod(Projected):
    def forward(self, x):
        def score_mod(score, b, h, q_idx, kv_idx):
            doubled = score * 2
            doubled.detach_()
            return score + doubled
        return (flex_attention(x @ self.w, x, x, score_mod=score_mod) * x).sum()


class BroadcastLse(Projected):
    def forward(self, x):
        def distance(score, b, h, q_idx, kv_idx):
            return (kv_idx - q_idx).float() * 0.5
        mask = create_block_mask(causal, None, None, S, S, device="cpu")
        out, lse = flex_attention(x @ self.w, x, x, score_mod=distance, block_mask=mask,
                                  return_lse=True)
        return (out * x).sum() + lse.sum() + (x @ self.w).sum()

    def reference(self, x):
        """The same written out (PyTorch's dense flex_attention backward
        fails on a score_mod that does not read the score)."""
        q_idx, kv_idx = torch.arange(S)[:, None], torch.arange(S)
        scores = ((kv_idx - q_idx).float() * 0.5).masked_fill(q_idx < kv_idx, -torch.inf)
        lse = scores.logsumexp(-1).expand(B, H, S)
        return (scores.softmax(-1) @ x * x).sum() + lse.sum() + (x @ self.w).sum()


class MaskedFillByTable(Projected):
    def __init__(self):
        super().__init__()
        self.table = torch.nn.Parameter(torch.randn(H, S))

    def forward(self, x):
        table = self.table

        def fill_future(score, b, h, q_idx, kv_idx):
            return score.masked_fill(q_idx < kv_idx, table[h, kv_idx])
        return (flex_attention(x @ self.w, x, x, score_mod=fill_future) * x).sum()


class AuxiliaryLoss(Projected):
    def forward(self, x):
        q = x @ self.w
        aux = torch.tensor(0.0)
        aux += (q * q).mean()
        return flex_attention(q, x, x).sum() + 0.1 * aux


class WriteIntoDetached(Projected):
    def forward(self, x):
        q = x @ self.w
        frozen = (q * 2).detach()
        frozen.mul_(q)
        return flex_attention(q, x, x).sum() + frozen.sum()


def lowered(model, inputs):
    with lower_flex.flex_attention_on_cpu():
        program = torch.export.export(model, inputs)
    export.drop_data_checks(program)
    return export.lower_functions(program).module()


def close(a, b):
    return torch.allclose(a, b, rtol=1e-5, atol=1e-6)


def main():
    sys.stdout.reconfigure(line_buffering=True)  # in order with export.py's stderr
    failed = 0
    cases = {"detach_": InPlaceDetach, "detach_ in score_mod": DetachInScoreMod,
             "lse of a broadcast mask": BroadcastLse,
             "masked_fill by a table element": MaskedFillByTable,
             "an auxiliary loss summed into torch.tensor(0.0)": AuxiliaryLoss}
    for name, cls in cases.items():
        torch.manual_seed(0)
        model, x = cls(), torch.randn(B, H, S, D)
        with lower_flex.flex_attention_on_cpu():
            loss = model.reference(x) if hasattr(model, "reference") else model(x)
        expected = torch.autograd.grad(loss, list(model.parameters()))
        program = lowered(model, (x,))
        got_loss = program(x)
        got = torch.autograd.grad(got_loss, list(program.parameters()))
        ok = close(got_loss, loss) and all(close(g, e) for g, e in zip(got, expected))
        failed += not ok
        print(f"{name}: {'ok' if ok else 'MISMATCH'} (loss {got_loss.item():.6g} vs "
              f"{loss.item():.6g})")
    try:
        lowered(WriteIntoDetached(), (torch.randn(B, H, S, D),))
        print("a write into a detached value: MISSED (lowered)")
        failed += 1
    except SystemExit:  # export.fail's message is on stderr
        print("a write into a detached value: refused")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
