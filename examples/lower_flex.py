"""FlexAttention (torch.nn.attention.flex_attention) for ds-import.

torch.export keeps a flex_attention call as the higher-order op
torch.ops.higher_order.flex_attention: the query, key and value, the
score_mod and the BlockMask's mask_mod as graphs over 0-d tensors (a score
and its batch, head, query and key index), the BlockMask's block tables and
the tensors the two functions capture. lower_flex_attention replaces each
call with the dense attention the fused kernel computes, in plain ATen ops:

    scores = q @ k^T * scale                     (float32 at least)
    seen   = full block | (partial block & mask_mod(b, h, q, kv))
    scores = where(seen, score_mod(scores, b, h, q, kv), -inf)
    out    = softmax(scores) @ v                 (a row that sees nothing: 0)

with the block tables honoured as the kernel honours them (a key block
in neither table is skipped, a full block skips mask_mod), which PyTorch's
own dense implementation (sdpa_dense) does not do: it applies mask_mod
everywhere. The two agree for every BlockMask create_block_mask builds for
the batch and head counts it is used with. (Hand-built tables that list a
block twice, or in both tables, the kernel would count twice; here it
counts once.)

The two functions run on the whole [batch, heads, queries, keys] grid at
once, as broadcasting int32 index tensors, where PyTorch runs them under
torch.vmap; that is the same computation only where every value inside
them is 0-d and every op elementwise (and writes no input), or an index of
a captured tensor by as many 0-d indices as it has dimensions, so any
other function is refused, naming the call's line. Every 0-d value (a
constant, a captured 0-d tensor) runs as a [1, 1, 1, 1] one, so type
promotion is vmap's. Like PyTorch's dense implementation, and unlike the
kernel, they also run where the block tables skip: a function that is
not finite there (a log of a negative distance) gives NaN gradients
through the where that masks it. The block tables that create_block_mask
orders with an argsort (a block's position in the list of key blocks)
are read back from the dense block masks they were made of; tables built
otherwise are expanded from their indices.

The indices are int32, as in the kernel and in the graphs torch.export
traces of the functions (PyTorch's dense implementation uses int64: index
arithmetic that overflows int32 differs from it).

flex_attention_on_cpu: PyTorch 2.11 refuses flex_attention's backward on a
CPU. With that check lifted, torch.export traces the call as it would for
a GPU (compiled: the tensors the functions capture become inputs of the
call), and the tests' eager reference runs PyTorch's dense forward and
backward (sdpa_dense), its answer without a GPU.
"""

import contextlib
import functools
import math

import torch


@contextlib.contextmanager
def flex_attention_on_cpu():
    try:
        import torch.nn.attention.flex_attention as flex
    except ImportError:  # a PyTorch without FlexAttention
        yield
        return
    saved = flex._validate_device
    flex._validate_device = lambda query, key, value: None
    try:
        yield
    finally:
        flex._validate_device = saved


def _is_scalar_value(node):
    value = node.meta.get("val")
    return isinstance(value, torch.Tensor) and value.dim() == 0


def _element_index(node):
    """(table, indices) where node reads one element of a tensor the way
    flex_attention traces `table[h, q_idx]` (its ModIndex: aten.index by
    0-d indices), or None."""
    if node.target is torch.ops.aten.index.Tensor:
        return node.args[0], list(node.args[1])
    if node.target is torch.ops.higher_order.flat_apply:
        # flat_apply(function, input spec, "...ModIndex", table, *indices)
        names = [i for i, a in enumerate(node.args)
                 if isinstance(a, str) and a.endswith("_trace_wrapped_higher_order_op.ModIndex")]
        if names:
            return node.args[names[0] + 1], list(node.args[names[0] + 2:])
    return None


def _is_literal_index(node, value):
    """Whether constant `node` is an integer written as an index
    (`table[h, 0]`: flex_attention makes the 0 a 0-d tensor), read only
    as one."""
    if value.dim() != 0 or value.is_floating_point() or value.is_complex():
        return False

    def only_indexes(node):
        for user in node.users:
            if user.target in _COPIES:
                if not only_indexes(user):
                    return False
                continue
            indexed = _element_index(user)
            if not indexed or node not in indexed[1]:
                return False
        return True
    return only_indexes(node)


# What a literal goes through before it is read (lift_fresh_copy, then a
# detach_ that writes no value).
_COPIES = (torch.ops.aten.lift_fresh_copy.default, torch.ops.aten.detach_.default,
           torch.ops.aten.detach.default, torch.ops.aten.clone.default)


# Elementwise ops that do not carry torch.Tag.pointwise.
_ELEMENTWISE = (torch.ops.aten.scalar_tensor.default,
                torch.ops.aten._to_copy.default, torch.ops.aten.to.dtype,
                torch.ops.aten.to.dtype_layout, torch.ops.aten.to.device,
                torch.ops.aten.__and__.Tensor,
                torch.ops.aten.__or__.Tensor, torch.ops.aten.__xor__.Tensor,
                torch.ops.aten.__and__.Scalar, torch.ops.aten.__or__.Scalar,
                torch.ops.aten.__xor__.Scalar, torch.ops.aten.where.ScalarOther,
                torch.ops.aten.where.ScalarSelf, torch.ops.aten.where.Scalar,
                torch.ops.aten.floor_divide.default, torch.ops.aten.floor_divide.Scalar,
                torch.ops.aten.masked_fill.Tensor, *_COPIES,
                # 0-d constants (and_masks' starting value)
                torch.ops.aten.new_ones.default, torch.ops.aten.new_zeros.default,
                torch.ops.aten.new_full.default, torch.ops.aten.full.default,
                torch.ops.aten.ones.default, torch.ops.aten.zeros.default)


def _grid_safe_problem(graph_module, captured):
    """Why running graph_module on broadcasting index tensors would differ
    from running it under vmap on 0-d ones, or None. `captured` is how many
    trailing placeholders are captured tensors (any shape)."""
    placeholders = [n for n in graph_module.graph.nodes if n.op == "placeholder"]
    tables = set(placeholders[len(placeholders) - captured:]) if captured else set()
    for node in graph_module.graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        if node.op == "get_attr":
            value = getattr(graph_module, node.target)
            if isinstance(value, torch.Tensor) and not _is_literal_index(node, value):
                return node, "a tensor that torch.export baked in as a constant"
            continue
        indexed = _element_index(node) if node.op == "call_function" else None
        if indexed:
            table, indices = indexed
            if not (table in tables and len(indices) == table.meta["val"].dim()
                    and all(isinstance(i, torch.fx.Node) and _is_scalar_value(i)
                            for i in indices)):
                return node, "an index that is not one element of a captured tensor"
        elif node.op != "call_function" or not isinstance(node.target, torch._ops.OpOverload):
            return node, f"{node.op} {node.target}"
        elif node.target._schema.is_mutable and node.target not in _COPIES:
            return node, f"{node.target}, which writes its input"
        elif torch.Tag.pointwise not in node.target.tags and node.target not in _ELEMENTWISE:
            return node, f"{node.target}, which is not elementwise"
        elif any(a in tables and a.meta["val"].dim() for a in node.all_input_nodes):
            return node, f"{node.target} of a whole captured tensor"
        if not _is_scalar_value(node):
            return node, f"{node.target}, which makes a value that is not 0-d"
    return None


def _strip_conversions(node):
    while (isinstance(node, torch.fx.Node) and node.op == "call_function"
           and node.target in (torch.ops.aten.to.dtype, torch.ops.aten._to_copy.default,
                               torch.ops.aten.clone.default, torch.ops.aten.contiguous.default)):
        node = node.args[0]
    return node


def _ordered_from_dense(num_blocks, indices):
    """The bool [.., q blocks, kv blocks] node that create_block_mask made
    num_blocks = sum(dense) and indices = argsort(dense, descending, stable)
    from, or None (a table built some other way)."""
    total, order = _strip_conversions(num_blocks), _strip_conversions(indices)
    if not (isinstance(total, torch.fx.Node) and isinstance(order, torch.fx.Node)):
        return None
    if (total.target is not torch.ops.aten.sum.dim_IntList or list(total.args[1]) != [-1]
            or order.target is not torch.ops.aten.argsort.stable
            or order.kwargs.get("descending") is not True or order.kwargs.get("dim", -1) != -1):
        return None
    counted, sorted_ = _strip_conversions(total.args[0]), _strip_conversions(order.args[0])
    if counted is not sorted_ or counted.meta.get("val") is None:
        return None
    return counted if counted.meta["val"].dtype == torch.bool else None


def _blocks_from_order(num_blocks, indices, kv_blocks):
    """The dense bool table [.., q blocks, kv blocks] that the first
    num_blocks entries of indices list."""
    listed = torch.arange(indices.shape[-1], device=indices.device) < num_blocks[..., None]
    hits = indices[..., :, None] == torch.arange(kv_blocks, device=indices.device)
    return (hits & listed[..., None]).any(-2)


def _expand_blocks(blocks, q_block, kv_block, q_len, kv_len):
    # A block longer than the sequence (flex_attention without a
    # block_mask: one block of 2^30) is one block row or column.
    blocks = blocks.repeat_interleave(min(q_block, q_len), dim=-2)
    blocks = blocks.repeat_interleave(min(kv_block, kv_len), dim=-1)
    return blocks[..., :q_len, :kv_len]


class _OnTheGrid(torch.fx.Interpreter):
    """Runs a score_mod or mask_mod graph on the broadcasting grid with
    every 0-d value (a constant it makes, a captured 0-d tensor) as a
    [1, 1, 1, 1] one: under vmap all its values are 0-d, so type promotion
    must see no 0-d operand beside a dimensioned one (int64 2**30 times an
    int32 index would stay int32)."""

    def get_attr(self, target, args, kwargs):
        value = super().get_attr(target, args, kwargs)
        if isinstance(value, torch.Tensor):  # a literal index (_is_literal_index)
            return torch.full((1, 1, 1, 1), value.item(), dtype=value.dtype)
        return value

    def run_node(self, node):
        if node.target is torch.ops.aten.detach_.default:
            # In place: the later readers of its input read the detached
            # value (run_decompositions would drop a detach_).
            value = self.env[node.args[0]] = self.env[node.args[0]].detach()
            return value
        value = super().run_node(node)
        if isinstance(value, torch.Tensor) and value.dim() == 0:
            value = value.reshape(1, 1, 1, 1)
        return value

    def call_function(self, target, args, kwargs):
        if target is torch.ops.aten.masked_fill.Tensor:
            # Its value must be 0-d, which no grid value is.
            tensor, mask, value = args
            return torch.where(mask, value.to(tensor.dtype), tensor)
        return super().call_function(target, args, kwargs)


def _on_the_grid(function):
    def run(*args):
        return _OnTheGrid(function).run(*args)
    return run


def _repeat_heads(x, query):
    """x [B or 1, Hkv, S, D] for each of query's [B, H] heads: head h reads
    x's h // (H / Hkv) (grouped-query attention), as repeat_kv writes it."""
    n, heads = query.shape[:2]
    b, kv_heads, s, d = x.shape
    if heads != kv_heads:
        x = x[:, :, None].expand(b, kv_heads, heads // kv_heads, s, d).reshape(b, heads, s, d)
    return x if b == n else x.expand(n, -1, -1, -1)


def dense_flex_attention(query, key, value, partial, partial_num, partial_indices, full,
                         full_num, full_indices, score_bufs, mask_bufs, *, score_mod, mask_mod,
                         scale, q_block, kv_block):
    """flex_attention's (out, lse / ln 2, max / ln 2), densely (the module's
    docstring). partial and full are dense bool block tables, or None
    where only their ordered form (num, indices) is known; full_num None:
    no full blocks."""
    key, value = _repeat_heads(key, query), _repeat_heads(value, query)
    working = torch.float64 if query.dtype == torch.float64 else torch.float32
    scores = (query.to(working) @ key.to(working).transpose(-2, -1)) * scale
    n, h, q_len, kv_len = scores.shape
    grid = [torch.arange(size, dtype=torch.int32, device=scores.device).view(
        [size if i == axis else 1 for i in range(4)]) for axis, size in enumerate(scores.shape)]
    kv_blocks = -(-kv_len // kv_block)
    if partial is None:
        partial = _blocks_from_order(partial_num, partial_indices, kv_blocks)
    if isinstance(mask_mod, torch.fx.GraphModule):
        mask_mod, score_mod = _on_the_grid(mask_mod), _on_the_grid(score_mod)
    seen = _expand_blocks(partial, q_block, kv_block, q_len, kv_len) & mask_mod(*grid, *mask_bufs)
    if full is None and full_num is not None:
        full = _blocks_from_order(full_num, full_indices, kv_blocks)
    if full is not None:
        seen = seen | _expand_blocks(full, q_block, kv_block, q_len, kv_len)
    # (Expanded: a score_mod that does not read the score, under a mask
    # that broadcasts, would give the logsumexp fewer rows.)
    scores = torch.where(seen, score_mod(scores, *grid, *score_bufs).to(working),
                         -math.inf).expand(scores.shape)
    row_max = scores.amax(-1, keepdim=True)
    blind = row_max == -math.inf  # a query that sees no key: zeros, as the kernel
    # (Blind rows' logsumexp taken of zeros: of -inf its gradient is NaN.)
    lse = torch.where(blind.squeeze(-1), -math.inf,
                      torch.where(blind, 0.0, scores).logsumexp(-1))
    probs = torch.where(blind, 0.0, torch.softmax(torch.where(blind, 0.0, scores), -1))
    out = probs.to(query.dtype) @ value.to(query.dtype)
    return out, lse / math.log(2), row_max.squeeze(-1) / math.log(2)


def _source_line(node, source_line):
    return source_line(node) if source_line else node.name


def lower_flex_attention(program, fail, source_line=None):
    """Replaces every flex_attention call in program's graph with a call of
    dense_flex_attention (to be traced by the caller's
    run_decompositions); refuses, through fail(message), a score_mod or
    mask_mod that does not run on the whole grid. Returns whether a call
    was replaced."""
    graph_module = program.graph_module
    graph = graph_module.graph
    calls = [n for n in graph.nodes if n.target is torch.ops.higher_order.flex_attention]
    for node in calls:
        query, key, value, score_attr, block, scale, _options, score_bufs, mask_bufs = node.args
        (_q_len, _kv_len, partial_num, partial_indices, full_num, full_indices, *_transposed,
         q_block, kv_block, mask_attr) = block
        for what, attr, captured in (("score_mod", score_attr, len(score_bufs)),
                                     ("mask_mod", mask_attr, len(mask_bufs))):
            function = getattr(graph_module, attr.target)
            problem = _grid_safe_problem(function, captured)
            if problem:
                inner, why = problem
                fail(f"flex_attention at {_source_line(node, source_line)}: its {what} uses {why} "
                     f"({inner.name}); ds-import runs a {what} on all positions at once, which "
                     f"is exact only for elementwise functions of 0-d values and of single "
                     f"elements of captured tensors")
        partial = _ordered_from_dense(partial_num, partial_indices)
        full = _ordered_from_dense(full_num, full_indices) if full_num is not None else None
        args = (query, key, value, partial, None if partial else partial_num,
                None if partial else partial_indices, full,
                None if full or full_num is None else full_num,
                None if full or full_num is None else full_indices,
                tuple(score_bufs), tuple(mask_bufs))
        # The functions are bound into the call (a graph module as an
        # argument would be taken for a parameter by run_decompositions).
        bound = functools.partial(
            dense_flex_attention, score_mod=getattr(graph_module, score_attr.target),
            mask_mod=getattr(graph_module, mask_attr.target), scale=scale, q_block=q_block,
            kv_block=kv_block)

        def dense_call(*args, bound=bound):
            return bound(*args)
        dense_call.__qualname__ = dense_call.__name__ = f"dense_{node.name}"
        with graph.inserting_before(node):
            dense = graph.call_function(dense_call, args)
        dense.meta = dict(node.meta)
        node.replace_all_uses_with(dense)
        graph.erase_node(node)
    if not calls:
        return False
    _drop_dead_tables(graph)
    # The functions, now bound into the calls, leave the module (whose
    # tensors run_decompositions would take for buffers).
    for node in [n for n in graph.nodes if n.op == "get_attr" and not n.users]:
        if isinstance(getattr(graph_module, node.target, None), torch.fx.GraphModule):
            graph.erase_node(node)
            if not any(n.op == "get_attr" and n.target == node.target for n in graph.nodes):
                delattr(graph_module, node.target)
    graph_module.recompile()
    return True


def _drop_dead_tables(graph):
    """Removes what only the replaced calls read (the block tables' ordering,
    the BlockMask's transposed tables), with the run-time metadata checks
    torch.export keeps on them, which would keep them alive."""
    checks = [n for n in graph.nodes if n.target is torch.ops.aten._assert_tensor_metadata.default]
    live, pending = set(), [n for n in graph.nodes if n.op == "output"]
    while pending:
        node = pending.pop()
        if node not in live:
            live.add(node)
            pending.extend(node.all_input_nodes)
    for check in checks:
        if check.args[0] not in live:
            graph.erase_node(check)
    # Only ATen ops go: the vmap calls' level bookkeeping reads as unused.
    graph.eliminate_dead_code(lambda node: node.is_impure() or not isinstance(
        node.target, torch._ops.OpOverload))
