"""Hugging Face's own Qwen2VLForConditionalGeneration (transformers' code, a
small config built here), traced (torch.export stops where the vision
attention splits the patches per image by lengths read as Python numbers): the vision tower on flattened patches
(a 3-D convolution over 2 frames x 4x4 pixels, 2-D rotary embedding over
the grid, attention within each image by cumulative sequence lengths),
the 2x2 patch merger, and a Qwen2 decoder with multimodal rotary
embedding (M-RoPE: temporal, height and width positions for the image
tokens from mm_token_type_ids and the grid, sections [1, 1, 2]); image
features merged with masked_scatter. One image of 4x4 patches, merged to
4 tokens in a row of 16."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class Qwen2VL(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = dict(depth=2, embed_dim=16, hidden_size=32, num_heads=2,
                      in_chans=3, patch_size=4, spatial_merge_size=2,
                      temporal_patch_size=2)
        text = dict(vocab_size=256, hidden_size=32, intermediate_size=64,
                    num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2, max_position_embeddings=64,
                    rope_scaling={"type": "mrope", "mrope_section": [1, 1, 2]})
        config = transformers.Qwen2VLConfig(
            vision_config=vision, text_config=text, image_token_id=IMAGE_TOKEN,
            attn_implementation="sdpa")
        self.hf = transformers.Qwen2VLForConditionalGeneration(config)
        self.register_buffer("image_grid_thw", torch.tensor([[1, 4, 4]]))

    def forward(self, input_ids, pixel_values, mm_token_type_ids, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       image_grid_thw=self.image_grid_thw,
                       mm_token_type_ids=mm_token_type_ids, labels=labels).loss


def build():
    ids = torch.randint(0, 250, (1, 16))
    ids[:, 3:7] = IMAGE_TOKEN
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return (Qwen2VL(), ids, torch.randn(16, 3 * 2 * 4 * 4),
            (ids == IMAGE_TOKEN).long(), labels)
