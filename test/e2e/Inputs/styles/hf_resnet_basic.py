"""Hugging Face's ResNetForImageClassification, small basic-block config in
training mode: a 7x7 stride-2 stem conv + BatchNorm2d + max pooling,
basic layers (two 3x3 convs, each followed by
BatchNorm2d with batch statistics), projection shortcut (1x1 stride-2
conv + BatchNorm2d) where the second stage doubles the channels, identity
shortcuts, adaptive average pooling; cross-entropy over 3 classes. The
BatchNorm running_mean/running_var/num_batches_tracked buffers are carried
from step to step."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.ResNetConfig(
            num_channels=3, embedding_size=8, hidden_sizes=[8, 16],
            depths=[2, 1], layer_type="basic", num_labels=3)
        self.hf = transformers.ResNetForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
