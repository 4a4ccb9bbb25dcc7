"""Hugging Face's own GPT2LMHeadModel (transformers' code, a small config
built here) trained with its default dropouts at 0.1: `embd_pdrop` on the
input embeddings, `attn_pdrop` on the attention weights inside
eager_attention_forward (nn.functional.dropout(..., training=
module.training)), `resid_pdrop` after each attention and MLP projection.
Eager attention (hf_gpt2_sdpa_dropout.py: SDPA). Labels shifted inside the
model, two rows of 16 tokens, a tied head."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class CausalLM(torch.nn.Module):
    def __init__(self, attn_implementation):
        super().__init__()
        config = transformers.GPT2Config(
            vocab_size=96, n_positions=32, n_embd=32, n_layer=2, n_head=4,
            resid_pdrop=0.1, embd_pdrop=0.1, attn_pdrop=0.1,
            attn_implementation=attn_implementation)
        self.hf = transformers.GPT2LMHeadModel(config)

    def forward(self, input_ids, labels):
        return self.hf(input_ids=input_ids, labels=labels).loss


def build(attn_implementation="eager"):
    return CausalLM(attn_implementation), torch.randint(0, 96, (2, 16)), torch.randint(0, 96, (2, 16))
