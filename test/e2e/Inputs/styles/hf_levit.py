"""Hugging Face's LevitForImageClassification (not the WithTeacher
variant), small config in training mode: a patch embedding of four
stride-2 3x3 convs each followed by BatchNorm2d (Hardswish between), then
tokens; attention whose fused q/k/v and output projections are bias-free
Linear + BatchNorm1d over the flattened (batch * tokens) rows, learned
attention biases gathered by a constant index buffer
(attention_biases[:, attention_bias_idxs]), Hardswish before the output
projection; MLPs of Linear + BatchNorm1d; attention-subsample blocks that
take strided token subsets (view + [:, ::2, ::2]) as queries; mean pooling
over tokens and a BatchNorm1d + Linear head, whose BatchNorm normalizes over
the batch alone; cross-entropy over 3 classes. The BatchNorm running
statistics are carried from step to step."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class ImageCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.LevitConfig(
            image_size=64, num_channels=3, patch_size=16,
            hidden_sizes=[16, 24, 32], num_attention_heads=[2, 2, 2],
            depths=[1, 1, 1], key_dim=[8, 8, 8], mlp_ratio=[2, 2, 2],
            attention_ratio=[2, 2, 2], drop_path_rate=0, num_labels=3)
        self.hf = transformers.LevitForImageClassification(config)

    def forward(self, pixel_values, labels):
        return self.hf(pixel_values=pixel_values, labels=labels).loss


def build():
    return ImageCls(), torch.randn(4, 3, 64, 64), torch.tensor([0, 1, 2, 0])
