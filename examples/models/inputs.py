"""Example inputs shared by the models whose tokenizer pads (OPT, Mistral)."""

import torch


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
