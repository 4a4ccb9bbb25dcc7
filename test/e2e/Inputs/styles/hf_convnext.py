"""Hugging Face's ConvNextForImageClassification, small config: a 2x2
patchify stem, depthwise 7x7 convs, channels-last LayerNorm, inverted
bottleneck MLPs with layer scale, downsampling convs between stages, global
average pooling; cross-entropy over 3 classes."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self, drop_path_rate=0.0):
        super().__init__()
        config = transformers.ConvNextConfig(
            num_channels=3, patch_size=2, num_stages=2, hidden_sizes=[8, 16],
            depths=[1, 1], layer_scale_init_value=0.5, drop_path_rate=drop_path_rate,
            num_labels=3)
        self.hf = transformers.ConvNextForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(2, 3, 16, 16), torch.tensor([1, 2])
