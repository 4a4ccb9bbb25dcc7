"""Hugging Face's own LlamaForSequenceClassification (transformers' code, a
small config built here): the score head runs on every position and the
logits of each row's last non-pad token are pooled as HF does it,
`(arange(T) * (input_ids != pad)).argmax(-1)` then
`logits[arange(B), last_non_pad_token]`; cross-entropy over the classes.
Rows are right-padded to different lengths (pad id 0), 15 tokens long."""
import torch
import transformers

transformers.logging.set_verbosity_error()

PAD = 0


class SeqCls(torch.nn.Module):
    def __init__(self):
        super().__init__()
        config = transformers.LlamaConfig(
            vocab_size=128, hidden_size=32, intermediate_size=64,
            num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64, num_labels=3, pad_token_id=PAD,
            attn_implementation="sdpa")
        self.hf = transformers.LlamaForSequenceClassification(config)

    def forward(self, tokens, labels):
        return self.hf(input_ids=tokens, labels=labels).loss


def build():
    model = SeqCls()
    # 15 tokens: sequence parallelism pads the sequence, and the integer
    # maximum of the pooling runs over the padding.
    tokens = torch.randint(1, 128, (4, 15))
    # Right padding of different lengths; one row has none.
    tokens[0, 11:] = PAD
    tokens[1, 5:] = PAD
    tokens[3, 14:] = PAD
    labels = torch.tensor([0, 2, 1, 2])
    return model, tokens, labels
