"""Hugging Face's own SpeechT5HifiGan vocoder (transformers' code, a small
config built here) under weight normalisation (apply_weight_norm, as its
training recipes use): a mel spectrogram [B, T, mels] in, upsampled by
transposed convolutions (stride 2, kernel 4, padding 1) through
multi-receptive-field residual blocks of dilated convolutions with
leaky ReLU, tanh, a waveform out; the loss is the mean squared error to a
target waveform."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class Vocoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.SpeechT5HifiGanConfig(
            model_in_dim=8, upsample_initial_channel=16, upsample_rates=[2, 2],
            upsample_kernel_sizes=[4, 4], resblock_kernel_sizes=[3, 5],
            resblock_dilation_sizes=[[1, 3], [1, 3]], normalize_before=False)
        self.hf = transformers.SpeechT5HifiGan(config)
        self.hf.apply_weight_norm()

    def forward(self, spectrogram, labels):
        return torch.nn.functional.mse_loss(self.hf(spectrogram), labels)


def build():
    return Vocoder(), torch.randn(2, 6, 8), torch.randn(2, 24)
