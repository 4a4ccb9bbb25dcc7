"""Hugging Face's ResNetForImageClassification, small bottleneck config in
training mode: a 7x7 stride-2 stem conv + BatchNorm2d + max pooling,
bottleneck layers (1x1 reduce, 3x3, 1x1 expand, each conv followed by
BatchNorm2d with batch statistics), projection shortcuts (1x1 conv +
BatchNorm2d) on a channel change and on a stride-2 downsample, an identity
shortcut, adaptive average pooling; cross-entropy over 3 classes. The
BatchNorm running_mean/running_var/num_batches_tracked buffers are carried
from step to step."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.ResNetConfig(
            num_channels=3, embedding_size=8, hidden_sizes=[16, 16],
            depths=[2, 1], layer_type="bottleneck", num_labels=3)
        self.hf = transformers.ResNetForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
