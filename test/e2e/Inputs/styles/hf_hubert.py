"""Hugging Face's own HubertForSequenceClassification (transformers' code,
a small config built here) in the layout of the large checkpoints: a
LayerNorm over the channels after each conv of the feature extractor
(feat_extract_norm="layer", transposed around it), convs with bias,
pre-norm transformer layers (do_stable_layer_norm), a weighted sum of
every layer's hidden states (use_weighted_layer_sum: a softmax over
learned layer weights), mean pooling over time, cross-entropy over 4
classes. The encoder draws a random number for LayerDrop in training mode
(a data-dependent branch torch.export cannot trace), so the model runs in
eval mode: with every dropout at 0 that is the same function."""
import torch
import transformers

transformers.logging.set_verbosity_error()


class AudioCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.HubertConfig(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=24, conv_dim=(8, 12), conv_stride=(4, 3),
            conv_kernel=(8, 3), conv_bias=True, feat_extract_norm="layer",
            do_stable_layer_norm=True, num_conv_pos_embeddings=6,
            num_conv_pos_embedding_groups=2, use_weighted_layer_sum=True,
            hidden_dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
            feat_proj_dropout=0.0, final_dropout=0.0, layerdrop=0.0,
            mask_time_prob=0.0, mask_feature_prob=0.0,
            classifier_proj_size=8, num_labels=4)
        self.hf = transformers.HubertForSequenceClassification(config)
        self.hf.eval()

    def train(self, mode=True):
        return self

    def forward(self, input_values, labels):
        return self.hf(input_values=input_values, labels=labels).loss


def build():
    return AudioCls(), torch.randn(3, 250), torch.tensor([1, 3, 0])
