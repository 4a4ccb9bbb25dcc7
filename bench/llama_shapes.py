"""Writes the ds forward function of a Llama-shaped model (RMSNorm, rotary
embeddings, grouped-query attention, SwiGLU MLP, untied LM head, mean
cross-entropy) with any number of layers, shapes only: no weights need to
exist. Defaults are Llama-3-8B's: hidden 4096, 32 heads, 8 kv heads,
MLP 14336, vocabulary 128256.

  python3 bench/llama_shapes.py --layers 32 -o llama32.mlir [--seq 2048] [--batch 1]
"""

import argparse


def generate(layers, batch, seq, hidden, heads, kv_heads, mlp, vocab):
    d = hidden // heads
    kv = kv_heads * d
    B, S, H = batch, seq, hidden
    t = lambda *shape: "tensor<" + "x".join(map(str, shape)) + "xf32>"  # noqa: E731
    args = [f'%wte: {t(vocab, H)} {{ds.name = "embed.weight", ds.trainable}}']
    for i in range(layers):
        p = f"layers.{i}"
        args += [f'%n1_{i}: {t(H)} {{ds.name = "{p}.input_norm.weight", ds.trainable}}',
                 f'%wq_{i}: {t(H, H)} {{ds.name = "{p}.q.weight", ds.trainable}}',
                 f'%wk_{i}: {t(kv, H)} {{ds.name = "{p}.k.weight", ds.trainable}}',
                 f'%wv_{i}: {t(kv, H)} {{ds.name = "{p}.v.weight", ds.trainable}}',
                 f'%wo_{i}: {t(H, H)} {{ds.name = "{p}.o.weight", ds.trainable}}',
                 f'%n2_{i}: {t(H)} {{ds.name = "{p}.post_norm.weight", ds.trainable}}',
                 f'%w1_{i}: {t(mlp, H)} {{ds.name = "{p}.gate.weight", ds.trainable}}',
                 f'%w3_{i}: {t(mlp, H)} {{ds.name = "{p}.up.weight", ds.trainable}}',
                 f'%w2_{i}: {t(H, mlp)} {{ds.name = "{p}.down.weight", ds.trainable}}']
    args += [f'%nf: {t(H)} {{ds.name = "norm.weight", ds.trainable}}',
             f'%head: {t(vocab, H)} {{ds.name = "lm_head.weight", ds.trainable}}',
             f'%cos: {t(S, d)} {{ds.name = "rope.cos"}}',
             f'%sin: {t(S, d)} {{ds.name = "rope.sin"}}',
             f'%tokens: tensor<{B}x{S}xi64> {{ds.input, ds.name = "tokens"}}',
             f'%labels: tensor<{B}x{S}xi64> {{ds.input, ds.name = "labels"}}']
    out = ["module {", "  func.func @forward(" + ", ".join(args) + ") -> tensor<f32> {"]
    emit = out.append
    emit(f"    %x0 = ds.embedding %wte, %tokens : ({t(vocab, H)}, tensor<{B}x{S}xi64>) -> {t(B, S, H)}")

    def rotary(name, x, n):
        half = d // 2
        full4 = t(B, n, S, d)
        half4 = t(B, n, S, half)
        emit(f"    %{name}_a = ds.slice {x} starts = [0, 0, 0, 0] limits = [{B}, {n}, {S}, {half}] "
             f"strides = [1, 1, 1, 1] : ({full4}) -> {half4}")
        emit(f"    %{name}_b = ds.slice {x} starts = [0, 0, 0, {half}] limits = [{B}, {n}, {S}, {d}] "
             f"strides = [1, 1, 1, 1] : ({full4}) -> {half4}")
        emit(f"    %{name}_nb = ds.neg %{name}_b : {half4}")
        emit(f"    %{name}_rot = ds.concat %{name}_nb, %{name}_a dim = 3 : ({half4}, {half4}) -> {full4}")
        emit(f"    %{name}_c = ds.mul {x}, %cos : ({full4}, {t(S, d)}) -> {full4}")
        emit(f"    %{name}_s = ds.mul %{name}_rot, %sin : ({full4}, {t(S, d)}) -> {full4}")
        emit(f"    %{name} = ds.add %{name}_c, %{name}_s : ({full4}, {full4}) -> {full4}")

    x = "%x0"
    for i in range(layers):
        L = f"l{i}"
        emit(f"    %{L}_h = ds.rms_norm {x} weight %n1_{i} epsilon = 1.0e-05 : ({t(B, S, H)}, {t(H)}) -> {t(B, S, H)}")
        for name, w, n in (("q", "wq", heads), ("k", "wk", kv_heads), ("v", "wv", kv_heads)):
            emit(f"    %{L}_{name}l = ds.linear %{L}_h, %{w}_{i} : ({t(B, S, H)}, {t(n * d, H)}) -> {t(B, S, n * d)}")
            emit(f"    %{L}_{name}r = ds.reshape %{L}_{name}l : ({t(B, S, n * d)}) -> {t(B, S, n, d)}")
            emit(f"    %{L}_{name}t = ds.transpose %{L}_{name}r permutation = [0, 2, 1, 3] : ({t(B, S, n, d)}) -> {t(B, n, S, d)}")
        rotary(f"{L}_qe", f"%{L}_qt", heads)
        rotary(f"{L}_ke", f"%{L}_kt", kv_heads)
        emit(f"    %{L}_att = ds.attention %{L}_qe, %{L}_ke, %{L}_vt causal scale = {d ** -0.5!r} : "
             f"({t(B, heads, S, d)}, {t(B, kv_heads, S, d)}, {t(B, kv_heads, S, d)}) -> {t(B, heads, S, d)}")
        emit(f"    %{L}_at = ds.transpose %{L}_att permutation = [0, 2, 1, 3] : ({t(B, heads, S, d)}) -> {t(B, S, heads, d)}")
        emit(f"    %{L}_ar = ds.reshape %{L}_at : ({t(B, S, heads, d)}) -> {t(B, S, H)}")
        emit(f"    %{L}_o = ds.linear %{L}_ar, %wo_{i} : ({t(B, S, H)}, {t(H, H)}) -> {t(B, S, H)}")
        emit(f"    %{L}_r1 = ds.add {x}, %{L}_o : ({t(B, S, H)}, {t(B, S, H)}) -> {t(B, S, H)}")
        emit(f"    %{L}_h2 = ds.rms_norm %{L}_r1 weight %n2_{i} epsilon = 1.0e-05 : ({t(B, S, H)}, {t(H)}) -> {t(B, S, H)}")
        emit(f"    %{L}_g = ds.linear %{L}_h2, %w1_{i} : ({t(B, S, H)}, {t(mlp, H)}) -> {t(B, S, mlp)}")
        emit(f"    %{L}_u = ds.linear %{L}_h2, %w3_{i} : ({t(B, S, H)}, {t(mlp, H)}) -> {t(B, S, mlp)}")
        emit(f"    %{L}_sg = ds.silu %{L}_g : {t(B, S, mlp)}")
        emit(f"    %{L}_m = ds.mul %{L}_sg, %{L}_u : ({t(B, S, mlp)}, {t(B, S, mlp)}) -> {t(B, S, mlp)}")
        emit(f"    %{L}_dn = ds.linear %{L}_m, %w2_{i} : ({t(B, S, mlp)}, {t(H, mlp)}) -> {t(B, S, H)}")
        emit(f"    %{L}_r2 = ds.add %{L}_r1, %{L}_dn : ({t(B, S, H)}, {t(B, S, H)}) -> {t(B, S, H)}")
        x = f"%{L}_r2"
    emit(f"    %hf = ds.rms_norm {x} weight %nf epsilon = 1.0e-05 : ({t(B, S, H)}, {t(H)}) -> {t(B, S, H)}")
    emit(f"    %logits = ds.linear %hf, %head : ({t(B, S, H)}, {t(vocab, H)}) -> {t(B, S, vocab)}")
    emit(f"    %flat = ds.reshape %logits : ({t(B, S, vocab)}) -> {t(B * S, vocab)}")
    emit(f"    %lab = ds.reshape %labels : (tensor<{B}x{S}xi64>) -> tensor<{B * S}xi64>")
    emit(f"    %loss = ds.cross_entropy %flat, %lab ignore_index = -100 : ({t(B * S, vocab)}, tensor<{B * S}xi64>) -> tensor<f32>")
    emit("    return %loss : tensor<f32>")
    emit("  }")
    emit("}")
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seq", type=int, default=2048)
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=8)
    p.add_argument("--mlp", type=int, default=14336)
    p.add_argument("--vocab", type=int, default=128256)
    p.add_argument("-o", required=True)
    a = p.parse_args()
    with open(a.o, "w") as f:
        f.write(generate(a.layers, a.batch, a.seq, a.hidden, a.heads, a.kv_heads, a.mlp, a.vocab))


if __name__ == "__main__":
    main()
