"""Hugging Face's own SwinForImageClassification (transformers' code, a
small config built here): 2x2 patches of a 16x16 image, window attention
over 4x4 windows with a relative position bias table, shifted windows
(torch.roll and the shift's attention mask), patch merging between the
stages, and the pooler's adaptive_avg_pool1d over the tokens; cross-entropy
over 3 classes."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.SwinConfig(
            image_size=16, patch_size=2, embed_dim=16, depths=[2, 1],
            num_heads=[2, 2], window_size=4, drop_path_rate=0.0,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            num_labels=3)
        self.hf = transformers.SwinForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(2, 3, 16, 16), torch.tensor([1, 2])
