"""Hugging Face's own Wav2Vec2ConformerForSequenceClassification
(transformers' code, a small config built here): the wav2vec2 feature
extractor, then Conformer layers: half-step feed-forwards, self-attention
with rotary positions, a convolution module (pointwise conv, GLU,
depthwise conv, BatchNorm1d, SiLU, pointwise conv), a final LayerNorm;
mean pooling over time, cross-entropy over 3 classes. The BatchNorms'
running statistics are set to something other than their initial 0 and 1.
The encoder draws a random number for LayerDrop in training mode (a
data-dependent branch torch.export cannot trace), so the model runs in
eval mode: with every dropout at 0 that is the same function, the
BatchNorms normalising by their running statistics."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class AudioCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.Wav2Vec2ConformerConfig(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=24, conv_dim=(8, 8), conv_stride=(5, 2),
            conv_kernel=(10, 3), num_conv_pos_embeddings=8,
            num_conv_pos_embedding_groups=4,
            position_embeddings_type="rotary", conv_depthwise_kernel_size=5,
            hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
            feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0,
            mask_time_prob=0.0, mask_feature_prob=0.0,
            classifier_proj_size=8, num_labels=3)
        self.hf = transformers.Wav2Vec2ConformerForSequenceClassification(config)
        self.hf.eval()
        with torch.no_grad():
            for module in self.hf.modules():
                if isinstance(module, torch.nn.BatchNorm1d):
                    module.running_mean.uniform_(-0.5, 0.5)
                    module.running_var.uniform_(0.5, 2.0)

    def train(self, mode=True):
        return self

    def forward(self, input_values, labels):
        return self.hf(input_values=input_values, labels=labels).loss


def build():
    return AudioCls(), torch.randn(2, 330), torch.tensor([0, 2])
