"""Hugging Face's GPT2LMHeadModel trained under bfloat16 autocast as its
Trainer runs it (bf16=True wraps model.forward): Conv1D's torch.addmm,
which ATen computes in float and rounds once, gelu_new's tanh, whose
backward ATen computes in float, LayerNorms whose float32 weights meet
float32 residuals, tied input and output embeddings, SDPA."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class Autocast(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.GPT2Config(
            vocab_size=128, n_positions=32, n_embd=32, n_layer=2, n_head=4,
            resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
            attn_implementation="sdpa")
        self.hf = transformers.GPT2LMHeadModel(config)

    def forward(self, tokens, labels):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.hf(input_ids=tokens, labels=labels).loss


def build():
    tokens = torch.randint(0, 128, (2, 16))
    return Autocast(), tokens, tokens.clone()
