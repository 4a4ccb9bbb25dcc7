"""Hugging Face's own BartForConditionalGeneration in train() mode with its
dropouts active (dropout, attention_dropout and activation_dropout 0.1)
and LayerDrop at 0 (encoder_layerdrop, decoder_layerdrop): each layer
still draws `torch.rand([])` and branches on `< layerdrop`, which the
exporter decides without drawing (always False at 0; examples/
dsc_dropout.py ScalarDraw). Labels shifted right into decoder inputs
inside the model (shift_tokens_right), cross-entropy over the labels.
Seq2Seq is the harness for the family: hf_m2m100_dropout.py and
hf_opt_dropout.py build theirs with it."""
import torch
import transformers

transformers.logging.set_verbosity_error()

DROPOUTS = dict(dropout=0.1, attention_dropout=0.1, activation_dropout=0.1)
SEQ2SEQ = dict(vocab_size=64, d_model=16, encoder_layers=2, decoder_layers=2,
               encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
               decoder_ffn_dim=32, max_position_embeddings=32, encoder_layerdrop=0.0,
               decoder_layerdrop=0.0, **DROPOUTS)


class Seq2Seq(torch.nn.Module):
    def __init__(self, config_class, model_class, **fields):
        super().__init__()
        self.hf = model_class(config_class(**fields))

    def forward(self, input_ids, labels):
        return self.hf(input_ids=input_ids, labels=labels).loss


def build(config_class=transformers.BartConfig, model_class=transformers.BartForConditionalGeneration,
          label_length=6, **fields):
    torch.manual_seed(0)
    model = Seq2Seq(config_class, model_class, **(fields or SEQ2SEQ))
    labels = torch.randint(3, 64, (2, label_length))
    labels[1, -2:] = -100
    return model, torch.randint(3, 64, (2, 8)), labels
