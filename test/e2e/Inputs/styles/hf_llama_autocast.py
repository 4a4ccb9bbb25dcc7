"""Hugging Face's LlamaForCausalLM trained in bfloat16 mixed precision the
way its Trainer does it (accelerate wraps model.forward in
`torch.autocast(device_type, dtype=torch.bfloat16)`): float32 weights,
each matmul's operands cast to bfloat16, the rotary tables computed with
autocast switched off inside (transformers' maybe_autocast), the loss
upcast to float32 in its loss function. `Autocast` wraps any of its causal
language models so (hf_gpt2_autocast.py too)."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class Autocast(torch.nn.Module):
    def __init__(self, hf):
        super().__init__()
        self.hf = hf

    def forward(self, tokens, labels):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.hf(input_ids=tokens, labels=labels).loss


def build():
    config = transformers.LlamaConfig(
        vocab_size=128, hidden_size=32, intermediate_size=64,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        max_position_embeddings=64, attn_implementation="sdpa")
    model = Autocast(transformers.LlamaForCausalLM(config))
    tokens = torch.randint(0, 128, (2, 16))
    return model, tokens, tokens.clone()
