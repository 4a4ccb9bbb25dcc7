"""Example transformer models used as fixtures for the dsc importer.

    from models import build
    model, cfg = build("llama", n_layers=1, n_kv_heads=1)
"""

import dataclasses

from .bert import Bert, BertConfig
from .bloom import Bloom, BloomConfig
from .falcon import Falcon, FalconConfig
from .gpt2 import GPT2, GPT2Config
from .gptj import GPTJ, GPTJConfig
from .llama import Llama, LlamaConfig
from .megatron import Megatron, MegatronConfig
from .mistral import Mistral, MistralConfig
from .neox import GPTNeoX, GPTNeoXConfig
from .opt import OPT, OPTConfig

MODELS = {
    "gpt2": (GPT2, GPT2Config),
    "llama": (Llama, LlamaConfig),
    # In the style of public projects (HF transformers' modeling_*.py); each
    # file's docstring lists the idioms it keeps on purpose.
    "gptj": (GPTJ, GPTJConfig),
    "neox": (GPTNeoX, GPTNeoXConfig),
    "opt": (OPT, OPTConfig),
    "bloom": (Bloom, BloomConfig),
    "falcon": (Falcon, FalconConfig),
    "mistral": (Mistral, MistralConfig),
    "bert": (Bert, BertConfig),
    # In the style of NVIDIA Megatron-LM's legacy GPT model.
    "megatron": (Megatron, MegatronConfig),
}


def config_fields(name):
    """Names and types of the config fields of model `name`."""
    _, cfg_cls = _lookup(name)
    return {f.name: f.type for f in dataclasses.fields(cfg_cls)}


def _lookup(name):
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r} (choose from {', '.join(sorted(MODELS))})") from None


def build(name, seed=0, **overrides):
    """Return (model, config) for `name`, with `overrides` applied to the config.

    Unknown override keys raise ValueError.  Weights are initialized
    deterministically from `seed`.
    """
    model_cls, cfg_cls = _lookup(name)
    known = {f.name for f in dataclasses.fields(cfg_cls)}
    bad = sorted(set(overrides) - known)
    if bad:
        raise ValueError(
            f"unknown config field(s) for {name}: {', '.join(bad)} "
            f"(known: {', '.join(sorted(known))})"
        )
    cfg = cfg_cls(**overrides)
    return model_cls(cfg, seed=seed), cfg


__all__ = [
    "build", "config_fields", "MODELS", "GPT2", "GPT2Config", "Llama", "LlamaConfig",
    "GPTJ", "GPTJConfig", "GPTNeoX", "GPTNeoXConfig", "OPT", "OPTConfig", "Bloom", "BloomConfig",
    "Falcon", "FalconConfig", "Mistral", "MistralConfig", "Bert", "BertConfig",
    "Megatron", "MegatronConfig",
]
