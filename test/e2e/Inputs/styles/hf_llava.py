"""Hugging Face's own LlavaForConditionalGeneration (transformers' code, a
small config built here): a CLIP vision tower (class token, pre-LayerNorm,
quick GELU) whose last layer's patch features ("default": the class token
dropped) go through the two-layer GELU projector into a Llama decoder,
merged into the text embeddings at the image tokens with masked_scatter;
labels ignored at the image tokens. Images [2, 3, 8, 8] in 4x4 patches,
4 image tokens per row of 12."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class Llava(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.CLIPVisionConfig(
            image_size=8, patch_size=4, num_channels=3, hidden_size=16,
            intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
            projection_dim=16)
        text = transformers.LlamaConfig(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64)
        config = transformers.LlavaConfig(
            vision_config=vision, text_config=text,
            image_token_index=IMAGE_TOKEN, vision_feature_layer=-1,
            vision_feature_select_strategy="default",
            attn_implementation="sdpa")
        self.hf = transformers.LlavaForConditionalGeneration(config)

    def forward(self, input_ids, pixel_values, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       labels=labels).loss


def build():
    ids = torch.randint(0, 250, (2, 12))
    ids[0, 1:5] = IMAGE_TOKEN
    ids[1, 6:10] = IMAGE_TOKEN  # the image later in the second row
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return Llava(), ids, torch.randn(2, 3, 8, 8), labels
