"""What the example models share that is the fixture's, not the imitated
project's: deterministic initialisation and padded example inputs."""

import torch
import torch.nn as nn


def right_padded(vocab_size: int, pad_token_id: int, batch: int, seq: int,
                 generator: torch.Generator):
    """Token ids avoiding the pad id, except that every odd row ends in up to
    3 pad tokens (at most seq - 1), as a right-padding tokenizer makes them;
    labels are random next tokens, -100 at the pads."""
    tokens = torch.randint(0, vocab_size, (batch, seq), generator=generator, dtype=torch.int64)
    tokens[tokens == pad_token_id] = (pad_token_id + 1) % vocab_size
    labels = torch.randint(0, vocab_size, (batch, seq), generator=generator, dtype=torch.int64)
    n_pad = min(3, seq - 1)
    for b in range(1, batch, 2):
        if n_pad > 0:
            tokens[b, seq - n_pad:] = pad_token_id
            labels[b, seq - n_pad:] = -100
    return tokens, labels


@torch.no_grad()
def init_weights(model: nn.Module, seed: int, norms=(nn.LayerNorm,)):
    """HF-style initialisation from an explicit generator (deterministic and
    independent of the global RNG): every Linear and Embedding weight once
    (a tied weight through the first module that holds it) from N(0, 0.02²),
    their biases 0 and an embedding's padding row 0 (as HF's _init_weights);
    the weights of `norms` 1 and their biases 0."""
    g = torch.Generator().manual_seed(seed)
    seen = set()
    for m in model.modules():
        if isinstance(m, norms):
            m.weight.fill_(1.0)
            if getattr(m, "bias", None) is not None:
                m.bias.zero_()
        elif isinstance(m, (nn.Linear, nn.Embedding)):
            if id(m.weight) in seen:
                continue
            seen.add(id(m.weight))
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * 0.02)
            if getattr(m, "bias", None) is not None:
                m.bias.zero_()
            if getattr(m, "padding_idx", None) is not None:
                m.weight[m.padding_idx].zero_()
