"""GShard/DeepSpeed-MoE style: a decoder whose feed-forward layers are mixtures
of experts routed with a capacity, as deepspeed.moe's sharded_moe and
fairseq's MoE write it. Top-2 gating: argmax for the first expert, argmax of
the logits with the first masked to -inf for the second (no Gumbel noise),
one_hot masks, each token's slot in its expert's buffer from a running sum
(cumsum) over the tokens, tokens past the capacity dropped (mask *=
lt(locations, capacity)), the gates of the two renormalised with an eps
clamp, combine weights [S, E, C] from einsum of gates and one-hot slots,
the dispatch mask combine_weights.bool(); experts on [E, C, M] buffers
(einsum dispatch "sec,sm->ecm", per-expert weights by einsum, combine
"sec,ecm->sm"), and the load-balancing l_aux mean(me * ce) * E * E added to
the loss. The second layer routes top-1 (Switch) with the gate's value
picked by max(dim) of gates * mask. Pre-LayerNorm, learned positions,
causal SDPA, tied output embedding."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

V, D, H, E, HEADS, LAYERS = 128, 32, 48, 4, 4, 2
CAPACITY_FACTOR = 1.0


def capacity_of(tokens, experts, k):
    return max(4, int(math.ceil(tokens * k / experts * CAPACITY_FACTOR)))


def top2gating(logits, capacity):
    gates = F.softmax(logits, dim=1)
    num_experts = gates.shape[1]
    indices1_s = torch.argmax(gates, dim=1)
    mask1 = F.one_hot(indices1_s, num_classes=num_experts)
    logits_except1 = logits.masked_fill(mask1.bool(), float("-inf"))
    indices2_s = torch.argmax(logits_except1, dim=1)
    mask2 = F.one_hot(indices2_s, num_classes=num_experts)
    locations1 = torch.cumsum(mask1, dim=0) - 1
    locations2 = torch.cumsum(mask2, dim=0) - 1
    locations2 += torch.sum(mask1, dim=0, keepdim=True)
    me = torch.mean(gates, dim=0)
    ce = torch.mean(mask1.float(), dim=0)
    l_aux = torch.mean(me * ce) * num_experts * num_experts
    mask1 = mask1 * torch.lt(locations1, capacity)
    mask2 = mask2 * torch.lt(locations2, capacity)
    locations1_s = torch.sum(locations1 * mask1, dim=1)
    locations2_s = torch.sum(locations2 * mask2, dim=1)
    mask1_float, mask2_float = mask1.float(), mask2.float()
    gates1_s = torch.einsum("se,se->s", gates, mask1_float)
    gates2_s = torch.einsum("se,se->s", gates, mask2_float)
    denom_s = torch.clamp(gates1_s + gates2_s, min=torch.finfo(gates.dtype).eps)
    gates1_s = gates1_s / denom_s
    gates2_s = gates2_s / denom_s
    gates1 = torch.einsum("s,se->se", gates1_s, mask1_float)
    gates2 = torch.einsum("s,se->se", gates2_s, mask2_float)
    locations1_sc = F.one_hot(locations1_s, num_classes=capacity).float()
    locations2_sc = F.one_hot(locations2_s, num_classes=capacity).float()
    combine_weights = (torch.einsum("se,sc->sec", gates1, locations1_sc)
                       + torch.einsum("se,sc->sec", gates2, locations2_sc))
    return l_aux, combine_weights, combine_weights.bool()


def top1gating(logits, capacity):
    gates = F.softmax(logits, dim=1)
    num_experts = gates.shape[1]
    indices1_s = torch.argmax(gates, dim=1)
    mask1 = F.one_hot(indices1_s, num_classes=num_experts)
    me = torch.mean(gates, dim=0)
    ce = torch.mean(mask1.float(), dim=0)
    l_aux = torch.sum(me * ce) * num_experts
    locations1 = torch.cumsum(mask1, dim=0) - 1
    mask1 = mask1 * torch.lt(locations1, capacity)
    locations1_s = torch.sum(locations1 * mask1, dim=1)
    mask1_float = mask1.float()
    gates = gates * mask1_float
    gates1_s, _ = torch.max(gates, dim=1)
    locations1_sc = F.one_hot(locations1_s, num_classes=capacity).float()
    combine_weights = torch.einsum("se,sc->sec", gates, locations1_sc)
    return l_aux, combine_weights, combine_weights.bool()


class Experts(nn.Module):
    def __init__(self):
        super().__init__()
        self.wi = nn.Parameter(torch.randn(E, D, H) / math.sqrt(D))
        self.wo = nn.Parameter(torch.randn(E, H, D) / math.sqrt(H))

    def forward(self, x):  # [E, C, D]
        return torch.einsum("ech,ehd->ecd", F.gelu(torch.einsum("ecd,edh->ech", x, self.wi)),
                            self.wo)


class MOELayer(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.wg = nn.Linear(D, E, bias=False)
        self.experts = Experts()

    def forward(self, hidden):
        d_model = hidden.shape[-1]
        reshaped = hidden.reshape(-1, d_model)
        capacity = capacity_of(reshaped.shape[0], E, self.k)
        gate = top2gating if self.k == 2 else top1gating
        l_aux, combine_weights, dispatch_mask = gate(self.wg(reshaped).float(), capacity)
        dispatched = torch.einsum("sec,sm->ecm", dispatch_mask.type_as(reshaped), reshaped)
        expert_output = self.experts(dispatched)
        combined = torch.einsum("sec,ecm->sm", combine_weights.type_as(reshaped), expert_output)
        return combined.reshape(hidden.shape), l_aux


class Block(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv = nn.Linear(D, 3 * D)
        self.proj = nn.Linear(D, D)
        self.moe = MOELayer(k)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln_1(x)).split(D, dim=2)
        q, k, v = (z.view(b, t, HEADS, D // HEADS).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, D))
        out, l_aux = self.moe(self.ln_2(x))
        return x + out, l_aux


class GShardDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, D)
        self.wpe = nn.Embedding(64, D)
        self.blocks = nn.ModuleList([Block(2), Block(1)])
        self.ln_f = nn.LayerNorm(D)

    def forward(self, tokens, labels):
        t = tokens.shape[1]
        x = self.wte(tokens) + self.wpe(torch.arange(t, device=tokens.device))
        aux = 0.0
        for block in self.blocks:
            x, l_aux = block(x)
            aux = aux + l_aux
        logits = self.ln_f(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, V), labels.view(-1)) + 0.01 * aux


def build():
    return GShardDecoder(), torch.randint(0, V, (2, 16)), torch.randint(0, V, (2, 16))
