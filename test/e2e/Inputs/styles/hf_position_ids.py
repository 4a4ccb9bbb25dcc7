"""Hugging Face's own LlamaForCausalLM (transformers' code, a small config
built here) trained on left-padded rows with the attention mask and
position ids the data gives: `position_ids = (mask.cumsum(-1) - 1).clamp(min=0)`,
as batched generation and padding-aware trainers pass them. The rotary
tables are then computed in the step from the positions (the inverse
frequencies times the positions, cos and sin), not folded at import; labels
are -100 at the pads."""
import torch
import transformers

transformers.logging.set_verbosity_error()

PAD = 0


class LeftPadded(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.LlamaConfig(
            vocab_size=128, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64, pad_token_id=PAD,
            attn_implementation="sdpa")
        self.hf = transformers.LlamaForCausalLM(config)

    def forward(self, tokens, labels):
        mask = (tokens != PAD).long()
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        return self.hf(input_ids=tokens, attention_mask=mask,
                       position_ids=positions, labels=labels).loss


def build():
    tokens = torch.randint(1, 128, (4, 16))
    tokens[0, :5] = PAD
    tokens[1, :11] = PAD
    tokens[3, :1] = PAD
    labels = tokens.masked_fill(tokens == PAD, -100)
    return LeftPadded(), tokens, labels
