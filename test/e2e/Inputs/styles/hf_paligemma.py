"""Hugging Face's own PaliGemmaForConditionalGeneration (transformers' code,
a small config built here): a SigLIP vision tower (no class token, tanh
GELU), a linear projector, image features scaled by 1/sqrt(hidden) and
merged with masked_scatter into a Gemma decoder (sqrt(hidden)-scaled
embeddings, RMSNorm with 1 + weight); the prefix-LM mask from
token_type_ids (image and prompt tokens see each other both ways, the
suffix is causal), labels only on the suffix. Images [2, 3, 8, 8] in 4x4
patches: 4 image tokens, a 4-token prompt, a 4-token answer."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class PaliGemma(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.SiglipVisionConfig(
            image_size=8, patch_size=4, num_channels=3, hidden_size=16,
            intermediate_size=32, num_hidden_layers=2, num_attention_heads=2)
        text = transformers.GemmaConfig(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            head_dim=8, max_position_embeddings=64)
        config = transformers.PaliGemmaConfig(
            vision_config=vision, text_config=text,
            image_token_index=IMAGE_TOKEN, projection_dim=32,
            attn_implementation="sdpa")
        self.hf = transformers.PaliGemmaForConditionalGeneration(config)

    def forward(self, input_ids, pixel_values, token_type_ids, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       token_type_ids=token_type_ids, labels=labels).loss


def build():
    ids = torch.randint(0, 250, (2, 12))
    ids[:, :4] = IMAGE_TOKEN
    token_type_ids = torch.zeros(2, 12, dtype=torch.long)
    token_type_ids[:, 8:] = 1  # the answer
    labels = ids.masked_fill(token_type_ids == 0, -100)
    return PaliGemma(), ids, torch.randn(2, 3, 8, 8), token_type_ids, labels
