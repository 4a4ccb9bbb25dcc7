"""Hugging Face's own Wav2Vec2ForSequenceClassification (transformers'
code, a small config built here): raw audio through the convolutional
feature extractor (strided conv1d, GroupNorm with one group per channel on
the first layer, GELU), a LayerNorm and projection, the convolutional
position embedding (a grouped conv1d under weight_norm, trimmed by one
step), post-norm transformer layers, mean pooling over time, cross-entropy
over 3 classes. The encoder draws a random number for LayerDrop in training
mode even at layerdrop=0 (a data-dependent branch torch.export cannot
trace), so the model runs in eval mode: with every dropout at 0 that is
the same function."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class AudioCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.Wav2Vec2Config(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=32, conv_dim=(8, 8, 8), conv_stride=(5, 2, 2),
            conv_kernel=(10, 3, 3), feat_extract_norm="group",
            num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=4,
            hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
            feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0,
            mask_time_prob=0.0, mask_feature_prob=0.0,
            classifier_proj_size=8, num_labels=3)
        self.hf = transformers.Wav2Vec2ForSequenceClassification(config)
        self.hf.eval()

    def train(self, mode=True):
        return self

    def forward(self, input_values, labels):
        return self.hf(input_values=input_values, labels=labels).loss


def build():
    return AudioCls(), torch.randn(2, 400), torch.tensor([1, 2])
