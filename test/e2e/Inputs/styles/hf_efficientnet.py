"""Hugging Face's EfficientNetForImageClassification, small config in
training mode: a stem of nn.ZeroPad2d((0, 1, 0, 1)) + "valid" stride-2 3x3
conv + BatchNorm2d + SiLU, MBConv blocks (1x1 expand conv with
padding="same", ZeroPad2d-padded depthwise 3x3/5x5 convs with stride 1 or 2,
squeeze-and-excitation of adaptive average pooling, 1x1 convs, SiLU and
sigmoid, 1x1 projection; each bias-free conv followed by BatchNorm2d with
batch statistics, eps 1e-3 and momentum 0.99), residual adds in the
repeated blocks, a 1x1 top conv + BatchNorm2d, HF's pooler
nn.AvgPool2d(hidden_dim, ceil_mode=True) whose window exceeds the map;
cross-entropy over 3 classes. Dropout and drop-connect are 0. The
BatchNorm running statistics are carried from step to step. HF initializes
every BatchNorm weight from N(0, 0.02), which shrinks the activations
through the blocks to ~1e-17 (and every gradient below ~1e-18); build()
gives them weights in [0.2, 0.4) (zero biases), which keeps float32
rounding of the near-cancelling BatchNorm-bias gradients under what a 1e-5
comparison allows."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # width_coefficient 1/80 rounds every width to 8 channels and the
        # top conv's 1280 to 16 (= hidden_dim).
        config = transformers.EfficientNetConfig(
            num_channels=3, image_size=32, width_coefficient=0.0125,
            depth_coefficient=1.0, kernel_sizes=[3, 3, 5],
            in_channels=[32, 16, 24], out_channels=[16, 24, 40],
            strides=[1, 2, 2], num_block_repeats=[1, 2, 1],
            expand_ratios=[1, 2, 2], hidden_dim=16, dropout_rate=0.0,
            drop_connect_rate=0.0, num_labels=3)
        self.hf = transformers.EfficientNetForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    model = ImageCls()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.2, 0.4)
                module.bias.zero_()
    return model, torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 0])
