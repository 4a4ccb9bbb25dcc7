"""Hugging Face's MobileNetV2ForImageClassification, small config in
training mode: TensorFlow-style "SAME" padding computed per conv and
applied with F.pad (asymmetric for the stride-2 convs), output stride 8
(the blocks past it run dilated depthwise convs instead of striding), a stem of a
stride-2 3x3 conv, a depthwise 3x3 conv and a 1x1 projection, sixteen
inverted residual blocks (1x1 expand, depthwise 3x3, 1x1 project; residual
add when the shape is kept), ReLU6, each conv followed by BatchNorm2d with
batch statistics and TensorFlow's eps 1e-3 and momentum 0.997, a final 1x1
conv, adaptive average pooling; cross-entropy over 3 classes. The
BatchNorm running statistics are carried from step to step. (At output
stride 32 the last blocks see 2x2 maps, and two SGD steps at lr 0.1 leave
PyTorch's own float32 run ~0.1 away from float64.)"""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.MobileNetV2Config(
            num_channels=3, image_size=32, output_stride=8, depth_multiplier=0.05,
            expand_ratio=2.0, finegrained_output=False,
            classifier_dropout_prob=0.0, num_labels=3)
        self.hf = transformers.MobileNetV2ForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 0])
