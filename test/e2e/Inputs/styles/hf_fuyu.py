"""Hugging Face's own FuyuForCausalLM (transformers' code, a small config
built here): no vision tower, raw 4x4x3 image patches through one linear
layer into a Persimmon decoder (LayerNorm on queries and keys, partial
rotary, squared ReLU), merged with masked_scatter at 4 image tokens of
16."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class Fuyu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        text = dict(vocab_size=256, hidden_size=32, intermediate_size=64,
                    num_hidden_layers=2, num_attention_heads=4,
                    max_position_embeddings=64)
        config = transformers.FuyuConfig(
            vocab_size=256, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4,
            max_position_embeddings=64, patch_size=4, num_channels=3,
            image_token_id=IMAGE_TOKEN, text_config=text)
        self.hf = transformers.FuyuForCausalLM(config)

    def forward(self, input_ids, image_patches, image_patches_indices, labels):
        return self.hf(input_ids=input_ids, image_patches=image_patches,
                       image_patches_indices=image_patches_indices,
                       labels=labels).loss


def build():
    ids = torch.randint(0, 250, (1, 16))
    ids[:, 2:6] = IMAGE_TOKEN
    indices = torch.full((1, 16), -1)
    indices[:, 2:6] = torch.arange(4)
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return Fuyu(), ids, torch.randn(1, 4, 48), indices, labels
