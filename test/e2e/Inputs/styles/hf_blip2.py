"""Hugging Face's own Blip2ForConditionalGeneration (transformers' code, a
small config built here), traced (torch.export stops at OPT's LayerDrop
branch on a random draw), with its dropouts active (the Q-Former's and OPT's, p = 0.1): a
BLIP-2 vision tower, the Q-Former (4 learned query tokens, BERT layers
cross-attending to the image features), a language projection, and an OPT
decoder; the queries' outputs merged with masked_scatter at 4 image
tokens. Images [2, 3, 8, 8] in 4x4 patches."""
import torch
import transformers

transformers.logging.set_verbosity_error()

IMAGE_TOKEN = 255


class Blip2(torch.nn.Module):
    def __init__(self):
        super().__init__()
        vision = transformers.Blip2VisionConfig(
            image_size=8, patch_size=4, hidden_size=16, intermediate_size=32,
            num_hidden_layers=2, num_attention_heads=2)
        qformer = transformers.Blip2QFormerConfig(
            hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=32, encoder_hidden_size=16)
        text = transformers.OPTConfig(
            vocab_size=256, hidden_size=32, ffn_dim=64, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=64,
            word_embed_proj_dim=32)
        config = transformers.Blip2Config(
            vision_config=vision.to_dict(), qformer_config=qformer.to_dict(),
            text_config=text.to_dict(), num_query_tokens=4,
            image_token_index=IMAGE_TOKEN)
        self.hf = transformers.Blip2ForConditionalGeneration(config)

    def forward(self, input_ids, pixel_values, labels):
        return self.hf(input_ids=input_ids, pixel_values=pixel_values,
                       labels=labels).loss


def build():
    ids = torch.randint(0, 250, (2, 16))
    ids[:, 1:5] = IMAGE_TOKEN
    labels = ids.masked_fill(ids == IMAGE_TOKEN, -100)
    return Blip2(), ids, torch.randn(2, 3, 8, 8), labels
