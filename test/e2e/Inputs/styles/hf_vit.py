"""Hugging Face's own ViTForImageClassification (transformers' code, a small
config built here): ViTPatchEmbeddings' Conv2d with stride = patch size,
the [CLS] token and position embeddings, eager attention, and the
classifier on the [CLS] token's output with cross-entropy over 3 classes;
images [2, 3, 12, 12] in 4x4 patches (9 patches, 10 tokens)."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.ViTConfig(
            image_size=12, patch_size=4, num_channels=3, hidden_size=32,
            num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
            num_labels=3, hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0, attn_implementation="eager")
        self.hf = transformers.ViTForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(2, 3, 12, 12), torch.tensor([2, 0])
