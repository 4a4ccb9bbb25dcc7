"""Hugging Face's own Gemma3ForConditionalGeneration (transformers' code, a
small config built here): a SigLIP tower, the projector's average pool of
the 4x4 patches to 2x2 image tokens, RMSNorm and projection, merged with
masked_scatter into a Gemma 3 decoder with a sliding and a full attention
layer. In training the image tokens see each other both ways: the causal
mask or'ed with a mask function of token_type_ids, which masking_utils
builds with torch.vmap (examples/export.py lower_vmap). use_cache=False as
in fine-tuning scripts (the model would otherwise fill a DynamicCache).
Images [2, 3, 16, 16]; 4 image tokens after a BOS, 7 text tokens."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class Gemma3VLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.SiglipVisionConfig(
            image_size=16, patch_size=4, num_channels=3, hidden_size=16,
            intermediate_size=32, num_hidden_layers=2, num_attention_heads=2)
        text = transformers.Gemma3TextConfig(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            head_dim=8, max_position_embeddings=64, sliding_window=8,
            layer_types=["sliding_attention", "full_attention"])
        config = transformers.Gemma3Config(
            vision_config=vision, text_config=text, mm_tokens_per_image=4,
            image_token_index=IMAGE_TOKEN, boi_token_index=253, eoi_token_index=254,
            attn_implementation="sdpa")
        self.hf = transformers.Gemma3ForConditionalGeneration(config)

    def forward(self, input_ids, pixel_values, token_type_ids, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       token_type_ids=token_type_ids, labels=labels,
                       use_cache=False).loss


def build():
    ids = torch.randint(0, 250, (2, 12))
    ids[:, 1:5] = IMAGE_TOKEN
    token_type_ids = torch.zeros(2, 12, dtype=torch.long)
    token_type_ids[:, 1:5] = 1  # the image
    labels = ids.masked_fill(token_type_ids == 1, -100)
    return Gemma3VLM(), ids, torch.randn(2, 3, 16, 16), token_type_ids, labels
