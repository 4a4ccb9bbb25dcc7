"""Hugging Face's MobileViTForImageClassification, small config in training
mode: a stride-2 3x3 stem conv + BatchNorm2d + SiLU, MobileNetV2-style
inverted residuals (1x1 expand, depthwise 3x3, 1x1 project, each conv
followed by BatchNorm2d with batch statistics, residual add when the shape
is kept), MobileViT blocks (local kxk conv, 1x1 conv to the transformer
width, unfolding into 2x2 patches by reshapes/transposes, pre-LayerNorm
transformer layers, folding back, 1x1 projection and a fusion conv over
the concatenation with the block input), a final 1x1 expand conv, global
mean pooling; cross-entropy over 3 classes. The BatchNorm running
statistics are carried from step to step. HF initializes every BatchNorm
weight from N(0, 0.02), which shrinks the activations through the ~20
conv+BatchNorm layers until every gradient but the classifier bias's is
~1e-11 (rounding noise); build() gives them weights in [0.2, 0.4) and small
biases (weights near 1 amplify float32 rounding through the ~20 layers past
what a 1e-5 comparison allows: PyTorch's own float32 run then differs from
float64 by ~1e-4 after two steps)."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.MobileViTConfig(
            num_channels=3, image_size=64, patch_size=2,
            hidden_sizes=[8, 8, 8], neck_hidden_sizes=[8, 8, 8, 8, 8, 8, 16],
            num_attention_heads=2, mlp_ratio=2.0, expand_ratio=2.0,
            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            classifier_dropout_prob=0.0, num_labels=3)
        self.hf = transformers.MobileViTForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    model = ImageCls()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.2, 0.4)
                module.bias.normal_(0.0, 0.1)
    return model, torch.randn(4, 3, 64, 64), torch.tensor([1, 2, 0, 1])
