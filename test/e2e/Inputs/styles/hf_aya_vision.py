"""Hugging Face's own AyaVisionForConditionalGeneration (transformers' code,
a small config built here): a SigLIP vision tower, the patch grid shuffled
into channels (downsample factor 2), a LayerNorm-SwiGLU projector and a
Cohere decoder (attention and MLP in parallel on one LayerNorm, logits
scaled); image features merged with masked_scatter. Images [2, 3, 16, 16]
in 4x4 patches, 4 image tokens each."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class AyaVision(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.SiglipVisionConfig(
            image_size=16, patch_size=4, num_channels=3, hidden_size=16,
            intermediate_size=32, num_hidden_layers=2, num_attention_heads=2)
        text = transformers.CohereConfig(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64)
        config = transformers.AyaVisionConfig(
            vision_config=vision, text_config=text,
            image_token_index=IMAGE_TOKEN, downsample_factor=2,
            attn_implementation="sdpa")
        self.hf = transformers.AyaVisionForConditionalGeneration(config)

    def forward(self, input_ids, pixel_values, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       labels=labels).loss


def build():
    ids = torch.randint(0, 250, (2, 16))
    ids[0, 1:5] = IMAGE_TOKEN
    ids[1, 11:15] = IMAGE_TOKEN
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return AyaVision(), ids, torch.randn(2, 3, 16, 16), labels
