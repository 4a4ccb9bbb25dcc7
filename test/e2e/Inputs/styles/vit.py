"""A vision transformer in timm's idiom (VisionTransformer, PatchEmbed):
images [B, 3, 16, 16] cut into 4x4 patches by a Conv2d whose stride is its
kernel, flattened to 16 tokens, a class token prepended (17 tokens) and a
learned position embedding added; pre-norm blocks with a fused qkv
projection split by reshape/permute/unbind, attention written out with
`attn.softmax(dim=-1)`, a ConvNeXt-style depthwise 3x3 conv over the patch
grid in the MLP branch (padding 1: the token grid is read back as an
image), then the class token's logits and cross-entropy over 5 classes."""
import torch, torch.nn as nn, torch.nn.functional as F


class PatchEmbed(nn.Module):
    def __init__(self, patch=4, chans=3, dim=32):
        super().__init__()
        self.proj = nn.Conv2d(chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # B, N, C


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(x)


class ConvMlp(nn.Module):
    def __init__(self, dim, grid):
        super().__init__()
        self.grid = grid
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.dw = nn.Conv2d(2 * dim, 2 * dim, 3, padding=1, groups=2 * dim)
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        h = self.fc1(x)
        cls, patches = h[:, :1], h[:, 1:]
        B, N, C = patches.shape
        img = patches.transpose(1, 2).reshape(B, C, self.grid, self.grid)
        patches = patches + self.dw(img).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(torch.cat([cls, patches], dim=1)))


class Block(nn.Module):
    def __init__(self, dim, heads, grid):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = ConvMlp(dim, grid)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    def __init__(self, img=16, patch=4, dim=32, depth=2, heads=4, classes=5):
        super().__init__()
        self.patch_embed = PatchEmbed(patch, 3, dim)
        grid = img // patch
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, grid * grid + 1, dim) * .02)
        self.blocks = nn.ModuleList([Block(dim, heads, grid) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)
        nn.init.normal_(self.cls_token, std=1e-2)

    def forward(self, images, labels):
        x = self.patch_embed(images)
        x = torch.cat((self.cls_token.expand(x.shape[0], -1, -1), x), dim=1)
        x = x + self.pos_embed
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.norm(x)[:, 0])
        return F.cross_entropy(logits, labels)


def build():
    return VisionTransformer(), torch.randn(4, 3, 16, 16), torch.tensor([0, 3, 1, 4])
