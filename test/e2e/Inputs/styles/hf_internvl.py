"""Hugging Face's own InternVLForConditionalGeneration (transformers' code,
a small config built here): an InternViT vision tower (class token, layer
scale, learned position embeddings), the class token dropped and the patch
grid shuffled into channels (pixel shuffle at downsample ratio 0.5: 2x2
patches to one token), a LayerNorm-GELU projector and a Qwen2 decoder;
image features merged with masked_scatter. Images [2, 3, 16, 16] in 4x4
patches, 4 image tokens each."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class InternVL(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.InternVLVisionConfig(
            image_size=[16, 16], patch_size=[4, 4], num_channels=3,
            hidden_size=16, intermediate_size=32, num_hidden_layers=2,
            num_attention_heads=2)
        text = transformers.Qwen2Config(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64)
        config = transformers.InternVLConfig(
            vision_config=vision, text_config=text, image_token_id=IMAGE_TOKEN,
            downsample_ratio=0.5, attn_implementation="sdpa")
        self.hf = transformers.InternVLForConditionalGeneration(config)

    def forward(self, input_ids, pixel_values, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       labels=labels).loss


def build():
    ids = torch.randint(0, 250, (2, 16))
    ids[:, 3:7] = IMAGE_TOKEN
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return InternVL(), ids, torch.randn(2, 3, 16, 16), labels
