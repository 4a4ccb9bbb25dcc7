"""Hugging Face's own Mistral3ForConditionalGeneration (transformers' code,
a small config built here), traced (torch.export stops at the images'
sizes, which Pixtral reads as Python numbers): a Pixtral vision tower (2-D
rotary embedding over the patch grid, a block-diagonal mask between the
images, RMSNorm, SwiGLU), the patch merger (F.unfold of 2x2 patches), a
projector and a Mistral decoder; image features merged with
masked_scatter. Images [2, 3, 16, 16] in 4x4 patches, merged to 4 image
tokens each."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class Mistral3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.PixtralVisionConfig(
            image_size=16, patch_size=4, num_channels=3, hidden_size=16,
            intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
            head_dim=8)
        text = transformers.MistralConfig(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            head_dim=8, max_position_embeddings=64)
        config = transformers.Mistral3Config(
            vision_config=vision, text_config=text,
            image_token_index=IMAGE_TOKEN, spatial_merge_size=2,
            vision_feature_layer=-1, attn_implementation="sdpa")
        self.hf = transformers.Mistral3ForConditionalGeneration(config)
        self.register_buffer("image_sizes", torch.tensor([[16, 16], [16, 16]]))

    def forward(self, input_ids, pixel_values, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       image_sizes=self.image_sizes, labels=labels).loss


def build():
    ids = torch.randint(0, 250, (2, 16))
    ids[0, 1:5] = IMAGE_TOKEN
    ids[1, 9:13] = IMAGE_TOKEN
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return Mistral3(), ids, torch.randn(2, 3, 16, 16), labels
