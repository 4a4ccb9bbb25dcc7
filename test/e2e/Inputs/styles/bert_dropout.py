"""Hugging Face's BERT (modeling_bert, eager attention) fine-tuned for
sequence classification with its default dropouts active: embeddings
(word + position + token type, LayerNorm, `self.dropout`), attention
probabilities dropped after the softmax of scores plus the extended mask
`(1.0 - mask) * torch.finfo(dtype).min`, hidden dropout before each
post-LayerNorm residual, `classifier_dropout` on the tanh pooler's [CLS]
output. The padding mask comes from the tokens (pad id 0, rows padded to
different lengths) and the sequence is 15 long, so sequence parallelism
pads it: the masks are drawn over the 15 real positions."""
import math

import torch
from torch import nn

VOCAB, SEQ, HIDDEN, HEADS, LAYERS, CLASSES = 64, 15, 32, 4, 2, 3
HIDDEN_DROPOUT, ATTENTION_DROPOUT = 0.1, 0.1


class BertEmbeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN, padding_idx=0)
        self.position_embeddings = nn.Embedding(SEQ, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.dropout = nn.Dropout(HIDDEN_DROPOUT)
        self.register_buffer("position_ids", torch.arange(SEQ).expand((1, -1)), persistent=False)
        self.register_buffer("token_type_ids", torch.zeros(self.position_ids.size(), dtype=torch.long),
                             persistent=False)

    def forward(self, input_ids):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        token_type_ids = self.token_type_ids[:, :seq_length].expand(input_ids.size(0), seq_length)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.num_attention_heads = HEADS
        self.attention_head_size = HIDDEN // HEADS
        self.all_head_size = HIDDEN
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.dropout = nn.Dropout(ATTENTION_DROPOUT)

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_x_shape).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        attention_scores = attention_scores + attention_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        return context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, inner=HIDDEN):
        super().__init__()
        self.dense = nn.Linear(inner, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.dropout = nn.Dropout(HIDDEN_DROPOUT)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = BertSelfAttention()
        self.attention_output = BertSelfOutput()
        self.intermediate = nn.Linear(HIDDEN, 4 * HIDDEN)
        self.output = BertSelfOutput(4 * HIDDEN)

    def forward(self, hidden_states, attention_mask):
        attention_output = self.attention_output(self.attention(hidden_states, attention_mask),
                                                 hidden_states)
        intermediate = nn.functional.gelu(self.intermediate(attention_output))
        return self.output(intermediate, attention_output)


class BertForSequenceClassification(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = BertEmbeddings()
        self.layer = nn.ModuleList([BertLayer() for _ in range(LAYERS)])
        self.pooler = nn.Linear(HIDDEN, HIDDEN)
        self.dropout = nn.Dropout(HIDDEN_DROPOUT)  # classifier_dropout is None
        self.classifier = nn.Linear(HIDDEN, CLASSES)

    def forward(self, input_ids, labels):
        attention_mask = (input_ids != 0).long()
        dtype = torch.float32
        extended = attention_mask[:, None, None, :].to(dtype)
        extended = (1.0 - extended) * torch.finfo(dtype).min
        hidden_states = self.embeddings(input_ids)
        for layer in self.layer:
            hidden_states = layer(hidden_states, extended)
        pooled_output = torch.tanh(self.pooler(hidden_states[:, 0]))
        logits = self.classifier(self.dropout(pooled_output))
        return nn.functional.cross_entropy(logits.view(-1, CLASSES), labels.view(-1))


def build():
    tokens = torch.randint(1, VOCAB, (2, SEQ))
    tokens[0, 11:] = 0
    tokens[1, 6:] = 0
    return BertForSequenceClassification(), tokens, torch.tensor([2, 0])
