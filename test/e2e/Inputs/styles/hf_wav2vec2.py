"""Hugging Face's own Wav2Vec2ForSequenceClassification (transformers'
code, a small config built here): raw audio through the convolutional
feature extractor (strided conv1d, GroupNorm with one group per channel on
the first layer, GELU), a LayerNorm and projection, the convolutional
position embedding (a grouped conv1d under weight_norm, trimmed by one
step), post-norm transformer layers, mean pooling over time, cross-entropy
over 3 classes. Here in eval mode (every dropout at 0: the same function
as training); hf_wav2vec2_dropout.py trains it with dropout and LayerDrop
at 0, hf_wav2vec2_specaugment.py with SpecAugment's numpy masks."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class AudioCls(torch.nn.Module):
    def __init__(self, dropout=0.0, mask_time_prob=0.0, training=False):
        super().__init__()
        config = transformers.Wav2Vec2Config(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=32, conv_dim=(8, 8, 8), conv_stride=(5, 2, 2),
            conv_kernel=(10, 3, 3), feat_extract_norm="group",
            num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=4,
            hidden_dropout=dropout, attention_dropout=dropout, activation_dropout=dropout,
            feat_proj_dropout=dropout, final_dropout=dropout, layerdrop=0.0,
            mask_time_prob=mask_time_prob, mask_time_length=2, mask_feature_prob=0.0,
            classifier_proj_size=8, num_labels=3)
        self.hf = transformers.Wav2Vec2ForSequenceClassification(config)
        self.training_mode = training
        self.hf.train(training)

    def train(self, mode=True):
        self.hf.train(mode and self.training_mode)
        return self

    def forward(self, input_values, labels):
        return self.hf(input_values=input_values, labels=labels).loss


def build(**fields):
    torch.manual_seed(0)
    return AudioCls(**fields), torch.randn(2, 400), torch.tensor([1, 2])
