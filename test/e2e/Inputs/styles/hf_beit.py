"""Hugging Face's own BeitForImageClassification (transformers' code, a
small config built here): 4x4 patches with a CLS token, relative position
bias tables per layer for the 16x16 images of the config, given 20x20
images with interpolate_pos_encoding=True: each table's 7x7 grid of
relative positions is interpolated to 9x9 (F.interpolate bilinear) and
picked at the 26x26 token pairs by a constant index; layer scale, mean
pooling of the patch tokens; cross-entropy over 3 classes."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.BeitConfig(
            image_size=16, patch_size=4, hidden_size=16, num_hidden_layers=2,
            num_attention_heads=2, intermediate_size=32,
            use_relative_position_bias=True, use_mean_pooling=True,
            layer_scale_init_value=0.1, drop_path_rate=0.0,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            num_labels=3)
        self.hf = transformers.BeitForImageClassification(config)
        self.hf.train()

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels,
                       interpolate_pos_encoding=True).loss


def build():
    return ImageCls(), torch.randn(2, 3, 20, 20), torch.tensor([1, 2])
