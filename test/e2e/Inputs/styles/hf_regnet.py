"""Hugging Face's RegNetForImageClassification, small RegNetY config in
training mode: a 3x3 stride-2 stem conv + BatchNorm2d + ReLU, Y layers (1x1
conv, grouped 3x3 conv with groups = channels / groups_width, a
squeeze-and-excitation block of adaptive average pooling, 1x1 convs with
bias, ReLU and sigmoid scaling the features, 1x1 conv; each bias-free conv
followed by BatchNorm2d with batch statistics), projection shortcuts (1x1
stride-2 conv + BatchNorm2d) and identity shortcuts added in place
(hidden_state += residual), adaptive average pooling; cross-entropy over 3
classes. The BatchNorm running statistics are carried from step to
step."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.RegNetConfig(
            num_channels=3, embedding_size=8, hidden_sizes=[8, 16],
            depths=[1, 2], groups_width=4, layer_type="y", num_labels=3)
        self.hf = transformers.RegNetForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(4, 3, 16, 16), torch.tensor([0, 1, 2, 0])
