// RUN: ds-opt %S/ops.mlir -ds-test-print-sharding-rules \
// RUN:   -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s

// The sharding rule of every op of ops.mlir (the round-trip test that has
// every op), as -ds-test-print-sharding-rules prints it: operand and result
// dimensions as products of factors (i, j, k, ... in the order the rule adds
// them; 1 for a broadcast dimension), the factors' sizes, then the factors
// that are summed (sum), averaged (mean), maximised (max) or must be whole
// (whole), those sequence padding may grow (paddable) or mask (maskable),
// the preferred targets of an axis leaving a whole factor (move), and the
// values padded operand positions must hold. Shardy's
// op_sharding_rule_registry.mlir is the model. A change to any rule shows
// here; test/e2e/sharding-rules-fuzz.test checks them numerically.

// CHECK: remark: ds.neg ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.neg ([i])->([i]) {i=4}
// CHECK: remark: ds.exp ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.log ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.sqrt ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.rsqrt ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.tanh ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.relu ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.silu ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.sigmoid ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.gelu ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.gelu ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.round ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.round ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.log2 ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.log10 ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.pow ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.pow ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.add ([i, j], [j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.sub ([j], [i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.mul ([i, j], [i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.div ([i, j], [j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.maximum ([i, j], [i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.add ([i, 1], [1, j])->([i, j]) {i=4, j=3}
// CHECK: remark: ds.compare ([i, j], [])->([i, j]) {i=4, j=4}
// CHECK: remark: ds.compare ([i, j], [i, j])->([i, j]) {i=4, j=4}
// CHECK: remark: ds.compare ([j], [i, j])->([i, j]) {i=4, j=4}
// CHECK: remark: ds.compare ([i, j], [j])->([i, j]) {i=4, j=4}
// CHECK: remark: ds.compare ([], [])->([]) {}
// CHECK: remark: ds.compare ([i, j], [])->([i, j]) {i=4, j=4}
// CHECK: remark: ds.select ([1, 1, k, l], [i, j, k, l], [])->([i, j, k, l]) {i=2, j=4, k=8, l=8}
// CHECK: remark: ds.select ([], [j], [i, j])->([i, j]) {i=4, j=4}
// CHECK: remark: ds.matmul ([i, j, k, m], [i, j, m, l])->([i, j, k, l]) {i=2, j=4, k=8, l=8, m=16} sum={m}
// CHECK: remark: ds.matmul ([i, j, k, m], [i, j, l, m])->([i, j, k, l]) {i=2, j=4, k=8, l=8, m=16} sum={m}
// CHECK: remark: ds.matmul ([i, j, m, k], [i, j, m, l])->([i, j, k, l]) {i=2, j=4, k=16, l=16, m=8} sum={m}
// CHECK: remark: ds.matmul ([i, j, m, k], [i, j, l, m])->([i, j, k, l]) {i=2, j=4, k=8, l=8, m=16} sum={m}
// CHECK: remark: ds.matmul ([i, j, k, m], [m, l])->([i, j, k, l]) {i=2, j=4, k=8, l=8, m=16} sum={m}
// CHECK: remark: ds.matmul ([i, 1, k, m], [j, m, l])->([i, j, k, l]) {i=3, j=5, k=8, l=8, m=16} sum={m}
// CHECK: remark: ds.linear ([i, j, k], [l, k], [l])->([i, j, l]) {i=2, j=8, k=64, l=192} whole={k}
// CHECK: remark: ds.linear ([i, j, k], [l, k])->([i, j, l]) {i=2, j=8, k=64, l=192} sum={k}
// CHECK: remark: ds.linear ([i], [j, i])->([j]) {i=64, j=192} sum={i}
// CHECK: remark: ds.sum ([i, j, k])->([i, j, 1]) {i=2, j=8, k=64} sum={k}
// CHECK: remark: ds.sum ([i, j, k])->([j]) {i=2, j=8, k=64} sum={i, k}
// CHECK: remark: ds.mean ([i, j, k])->([i, 1, k]) {i=2, j=8, k=64} mean={j}
// CHECK: remark: ds.mean ([i, j, k])->([]) {i=2, j=8, k=64} mean={i, j, k}
// CHECK: remark: ds.max ([i, j, k])->([i, j, 1]) {i=2, j=8, k=64} max={k}
// CHECK: remark: ds.max ([i, j])->([i]) {i=4, j=6} max={j}
// CHECK: remark: ds.softmax ([i, j, k, l])->([i, j, k, l]) {i=2, j=4, k=8, l=8} whole={l}
// CHECK: remark: ds.log_softmax ([i, j, k, l])->([i, j, k, l]) {i=2, j=4, k=8, l=8} whole={i}
// CHECK: remark: ds.layer_norm ([i, j, k], [k], [k])->([i, j, k]) {i=2, j=8, k=64} whole={k}
// CHECK: remark: ds.layer_norm ([i, j, k])->([i, j, k]) {i=2, j=8, k=64} whole={k}
// CHECK: remark: ds.layer_norm ([i, j, k], [k])->([i, j, k]) {i=2, j=8, k=64} whole={k}
// CHECK: remark: ds.layer_norm ([i, j, k], [k])->([i, j, k]) {i=2, j=8, k=64} whole={k}
// CHECK: remark: ds.rms_norm ([i, j, k], [k])->([i, j, k]) {i=2, j=8, k=64} whole={k}
// CHECK: remark: ds.rms_norm ([i, j, k])->([i, j, k]) {i=2, j=8, k=64} whole={k}
// CHECK: remark: ds.embedding ([i, j], [k, l])->([k, l, j]) {i=256, j=64, k=2, l=8} whole={i}
// CHECK: remark: ds.embedding ([i, j], [])->([j]) {i=256, j=64} whole={i}
// CHECK: remark: ds.embedding ([i, j], [k, l])->([k, l, j]) {i=256, j=64, k=2, l=8} whole={i}
// CHECK: remark: ds.attention ([i, j, k, m], [i, j, l, m], [i, j, l, n])->([i, j, k, n]) {i=2, j=8, k=16, l=16, m=32, n=32} whole={k, l, m, n} paddable={k, l} move={j} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00]
// CHECK: remark: ds.attention ([i, jk, l, n], [i, j, m, n], [i, j, m, o], [1, jk, 1, m])->([i, jk, l, o]) {i=2, j=2, k=4, l=16, m=16, n=32, o=32} whole={l, m, n, o} paddable={l, m} move={j, k} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]
// CHECK: remark: ds.attention ([i, jk, l, n], [i, j, m, n], [i, j, m, o], [i, 1, 1, m])->([i, jk, l, o]) {i=2, j=2, k=4, l=16, m=16, n=32, o=32} whole={l, m, n, o} paddable={l} maskable={m} move={j, k} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]
// CHECK: remark: ds.attention_grad ([i, jk, l, n], [i, j, m, n], [i, j, m, o], [i, jk, l, o], [i, jk, l, o], [1, jk, 1, m])->([i, jk, l, n], [i, j, m, n], [i, j, m, o]) {i=2, j=2, k=4, l=16, m=16, n=32, o=32} sum={k} whole={l, m, n, o} paddable={l, m} move={j, k} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00, _, 0.000000e+00, 0.000000e+00]
// CHECK: remark: ds.attention ([i, j, k, m], [i, j, l, m], [i, j, l, n])->([i, j, k, n]) {i=2, j=8, k=16, l=24, m=32, n=32} whole={k, l, m, n} paddable={k} maskable={l} move={j} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00]
// CHECK: remark: ds.attention ([i, jk, l, n], [i, j, m, n], [i, j, m, o])->([i, jk, l, o]) {i=2, j=2, k=4, l=16, m=16, n=32, o=64} whole={l, m, n, o} paddable={l, m} move={j, k} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00]
// CHECK: remark: ds.cross_entropy ([i, j], [i])->([]) {i=16, j=256} mean={i} whole={j} padding=[_, -1.000000e+02]
// CHECK: remark: ds.cross_entropy ([i, j, k], [i, j])->([]) {i=2, j=8, k=256} mean={i, j} whole={k} padding=[_, 0.000000e+00]
// CHECK: remark: ds.reshape ([i, j, kl])->([i, j, k, l]) {i=2, j=8, k=4, l=16}
// CHECK: remark: ds.transpose ([i, j, k, l])->([i, k, j, l]) {i=2, j=8, k=4, l=16}
// CHECK: remark: ds.slice ([i, k])->([j, l]) {i=64, j=8, k=64, l=8} whole={i, j, k, l}
// CHECK: remark: ds.slice ([i, k])->([j, l]) {i=64, j=32, k=64, l=21} whole={i, j, k, l}
// CHECK: remark: ds.concat ([i, j], [i, k])->([i, l]) {i=2, j=3, k=5, l=8} whole={j, k, l}
// CHECK: remark: ds.concat ([j, i])->([k, i]) {i=3, j=2, k=2} whole={j, k}
// CHECK: remark: ds.split ([i, j, k])->([i, j, l], [i, j, m], [i, j, n]) {i=2, j=8, k=64, l=16, m=16, n=32} whole={k, l, m, n}
// CHECK: remark: ds.split ([k, i, j])->([l, i, j]) {i=8, j=64, k=2, l=2} whole={k, l}
// CHECK: remark: ds.broadcast ([k])->([i, j, k]) {i=2, j=8, k=64}
// CHECK: remark: ds.broadcast ([1, k])->([i, j, k]) {i=2, j=8, k=8}
// A dropout mask or uniform numbers are drawn whole and sliced where a
// reader is split.
// CHECK: remark: ds.dropout_mask ([])->([i, j, k]) {i=2, j=8, k=64} whole={i, j, k}
// CHECK: remark: ds.uniform ([])->([i, j, k]) {i=2, j=1, k=1} whole={i, j, k}
// CHECK: remark: ds.uniform ([])->([i]) {i=8} whole={i}
// CHECK: remark: ds.iota ()->([i]) {i=8}
// CHECK: remark: ds.iota ()->([i, j]) {i=4, j=8}
// CHECK: remark: ds.convert ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.convert ([i])->([i]) {i=8}
// CHECK: remark: ds.stop_gradient ([i, j])->([i, j]) {i=2, j=8}
// CHECK: remark: ds.constant ()->([i, j]) {i=2, j=8}
// CHECK: remark: ds.constant ()->([i, j]) {i=2, j=2}
// CHECK: remark: ds.constant ()->([i]) {i=3}
// CHECK: remark: ds.constant ()->([i]) {i=2}
// CHECK: remark: ds.constant ()->([i, j]) {i=4, j=4}
// CHECK: remark: ds.constant ()->([]) {}
// CHECK: remark: ds.neg ([i, j, k])->([i, j, k]) {i=2, j=64, k=8}
// CHECK: remark: ds.attention_grad ([i, jk, l, n], [i, j, m, n], [i, j, m, o], [i, jk, l, o], [i, jk, l, o])->([i, jk, l, n], [i, j, m, n], [i, j, m, o]) {i=2, j=2, k=4, l=16, m=16, n=32, o=64} sum={k} whole={l, m, n, o} paddable={l, m} move={j, k} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00, _, 0.000000e+00]
// CHECK: remark: ds.attention_grad ([i, jk, l, n], [i, j, m, n], [i, j, m, o], [i, jk, l, o], [i, jk, l, o])->([i, jk, l, n], [i, j, m, n], [i, j, m, o]) {i=2, j=2, k=4, l=16, m=16, n=32, o=64} sum={k} whole={l, m, n, o} paddable={l} maskable={m} move={j, k} padding=[0.000000e+00, 0.000000e+00, 0.000000e+00, _, 0.000000e+00]
// CHECK: remark: ds.layer_norm_grad ([i, j, k], [k], [i, j, k])->([i, j, k], [k], [k]) {i=2, j=8, k=64} sum={i, j} whole={k}
// CHECK: remark: ds.rms_norm_grad ([i, j, k], [k], [i, j, k])->([i, j, k], [k]) {i=2, j=8, k=64} sum={i, j} whole={k}
// CHECK: remark: ds.silu_grad ([i, j, k], [i, j, k])->([i, j, k]) {i=2, j=8, k=256}
// CHECK: remark: ds.gelu_grad ([i, j, k], [i, j, k])->([i, j, k]) {i=2, j=8, k=256}
// CHECK: remark: ds.gelu_grad ([i, j, k], [i, j, k])->([i, j, k]) {i=2, j=8, k=256}
// CHECK: remark: ds.softmax_grad ([i, j, k, l], [i, j, k, l])->([i, j, k, l]) {i=2, j=4, k=8, l=8} whole={l}
// CHECK: remark: ds.log_softmax_grad ([i, j, k, l], [i, j, k, l])->([i, j, k, l]) {i=2, j=4, k=8, l=8} whole={j}
// CHECK: remark: ds.cross_entropy_grad ([i, j], [i], [])->([i, j]) {i=16, j=256} whole={j} padding=[_, -1.000000e+02]
// CHECK: remark: ds.embedding_grad ([i, j], [i, j, l])->([k, l]) {i=2, j=8, k=256, l=64} sum={i, j} whole={k}
// CHECK: remark: ds.embedding_grad ([i, j], [i, j, l])->([k, l]) {i=2, j=8, k=256, l=64} sum={i, j} whole={k}
// CHECK: remark: ds.pad ([i, j])->([i, k]) {i=8, j=8, k=16} whole={j, k}
// CHECK: remark: ds.pad ([i, k])->([j, l]) {i=32, j=64, k=21, l=64} whole={i, j, k, l}
// CHECK: remark: ds.adamw_update ([i], [i], [i], [i], [])->([i], [i], [i]) {i=64} whole={i}
// CHECK: remark: ds.sgd_update ([i, j], [i, j], [i, j])->([i, j], [i, j]) {i=64, j=32} whole={i, j}
// The ops inside a ds.recompute region.
// CHECK: remark: ds.matmul ([i, k], [k, j])->([i, j]) {i=4, j=8, k=8} sum={k}
// CHECK: remark: ds.gelu ([i, j])->([i, j]) {i=4, j=8}
// A running sum keeps its dimension whole.
// CHECK: remark: ds.cumsum ([i, j])->([i, j]) {i=2, j=16} whole={j}
// CHECK: remark: ds.cumsum ([i, j])->([i, j]) {i=2, j=16} whole={i}
// CHECK-NOT: remark:
