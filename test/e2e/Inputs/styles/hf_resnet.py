"""Hugging Face's ResNetForImageClassification in training mode, twice: a
bottleneck config (1x1 reduce, 3x3, 1x1 expand) and a basic-block config
(two 3x3 convs), each conv followed by BatchNorm2d with batch statistics;
a 7x7 stride-2 stem conv + BatchNorm2d + 3x3 stride-2 max pooling,
projection shortcuts (1x1 conv + BatchNorm2d) on a channel change and on a
stride-2 downsample, identity shortcuts, adaptive average pooling;
cross-entropy over 3 classes, the two models' losses summed. The
BatchNorm running_mean/running_var/num_batches_tracked buffers are carried
from step to step."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        bottleneck = transformers.ResNetConfig(
            num_channels=3, embedding_size=8, hidden_sizes=[16, 16],
            depths=[2, 1], layer_type="bottleneck", num_labels=3)
        basic = transformers.ResNetConfig(
            num_channels=3, embedding_size=8, hidden_sizes=[8, 16],
            depths=[2, 1], layer_type="basic", num_labels=3)
        self.bottleneck = transformers.ResNetForImageClassification(bottleneck)
        self.basic = transformers.ResNetForImageClassification(basic)

    def forward(self, pixel_values, labels):
        return (self.bottleneck(pixel_values=pixel_values, labels=labels).loss
                + self.basic(pixel_values=pixel_values, labels=labels).loss)


def build():
    return ImageCls(), torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
