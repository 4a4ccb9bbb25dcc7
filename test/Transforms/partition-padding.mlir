// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd -ds-shard=sp=2 -canonicalize -cse | FileCheck %s
// RUN: ds-opt %s -split-input-file -ds-autodiff=optimizer=sgd -ds-shard=sp=4 -canonicalize -cse | FileCheck %s --check-prefix=SP4

// -ds-partition when sp does not divide the sequence (3 over sp = 2): the
// inputs grow to 4 (`ds.data_shape` keeps the 3 the user supplies; the
// runtime zero-fills the rest), a table indexed by position grows with zero
// rows before each rank takes its piece, the labels' padding becomes
// `ignore_index` and the count of real tokens masks it to 0, and every sum
// over positions (the weight gradients) masks the padded positions to 0.

// CHECK-LABEL: func.func @train_step
// CHECK-SAME: tensor<2x2xi64> {ds.data_shape = array<i64: 2, 3>, ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>}
// CHECK-SAME: tensor<2x2xi64> {ds.data_shape = array<i64: 2, 3>, ds.name = "labels", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>}
// CHECK-DAG: %[[REAL:.*]] = ds.constant dense<{{\[}}[true, true, true, false]]> : tensor<1x4xi1>
// CHECK-DAG: %[[REALROWS:.*]] = ds.constant dense<{{\[}}[{{\[}}true], [true], [true], [false]]]> : tensor<1x4x1xi1>
// CHECK-DAG: %[[IGNORE:.*]] = ds.constant dense<-100> : tensor<i64>
// CHECK-DAG: %[[ZERO:.*]] = ds.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[POS:.*]] = ds.pad %{{.*}} low = [0, 0] strides = [1, 1] : (tensor<3x4xf32>) -> tensor<4x4xf32>
// CHECK: ds.local_slice %[[POS]] on @mesh ["sp"] dim = 0 : (tensor<4x4xf32>) -> tensor<2x4xf32>
// CHECK: %[[MINE:.*]] = ds.local_slice %[[REAL]] on @mesh ["sp"] dim = 1 : (tensor<1x4xi1>) -> tensor<1x2xi1>
// CHECK: %[[COUNTED:.*]] = ds.select %[[MINE]], %{{.*}}, %[[ZERO]] : (tensor<1x2xi1>, tensor<2x2xf32>, tensor<f32>)
// CHECK: %[[FLAT:.*]] = ds.reshape %[[COUNTED]]
// CHECK: %[[COUNT:.*]] = ds.sum %[[FLAT]]
// CHECK: %[[TOTAL:.*]] = ds.all_reduce %[[COUNT]] on @mesh ["sp"] reduction = sum
// CHECK: %[[LABELS:.*]] = ds.select %[[MINE]], %{{.*}}, %[[IGNORE]] : (tensor<1x2xi1>, tensor<2x2xi64>, tensor<i64>)
// CHECK: %[[LFLAT:.*]] = ds.reshape %[[LABELS]]
// CHECK: %[[SUM:.*]] = ds.cross_entropy %{{.*}}, %[[LFLAT]] ignore_index = -100 sum
// CHECK: %[[LOSS_SUM:.*]] = ds.all_reduce %[[SUM]] on @mesh ["sp"] reduction = sum
// CHECK: %[[LOSS:.*]] = ds.div %[[LOSS_SUM]], %[[TOTAL]]
// CHECK: %[[MINEROWS:.*]] = ds.local_slice %[[REALROWS]] on @mesh ["sp"] dim = 1
// CHECK: ds.select %[[MINEROWS]], %{{.*}}, %[[ZERO]] : (tensor<1x2x1xi1>, tensor<2x2x16xf32>, tensor<f32>)
// CHECK: ds.matmul {{.*}} transpose_lhs
// CHECK: ds.all_reduce {{.*}} on @mesh ["sp"] reduction = sum : tensor<16x4xf32>
// CHECK: return %[[LOSS]]

// SP4-LABEL: func.func @train_step
// SP4-SAME: tensor<2x1xi64> {ds.data_shape = array<i64: 2, 3>, ds.name = "tokens"
func.func @forward(%wte: tensor<16x4xf32> {ds.name = "wte", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<2x3xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %pos = ds.constant dense<[[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2]]> : tensor<3x4xf32>
  %e = ds.embedding %wte, %tokens : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %x = ds.add %e, %pos : (tensor<2x3x4xf32>, tensor<3x4xf32>) -> tensor<2x3x4xf32>
  %h = ds.linear %x, %wte : (tensor<2x3x4xf32>, tensor<16x4xf32>) -> tensor<2x3x16xf32>
  %logits = ds.reshape %h : (tensor<2x3x16xf32>) -> tensor<6x16xf32>
  %lab = ds.reshape %labels : (tensor<2x3xi64>) -> tensor<6xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<6x16xf32>, tensor<6xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Causal attention over a padded sequence (3 -> 4) with 3 heads, which
// sp = 2 does not divide: q, k and v get a zero head (4 heads), the
// sequence stays padded through attention (no real query sees a padded
// key), one all-to-all each way moves whole heads, and the output is cut
// back to the 3 real heads. q, k and v are zeroed at padded positions (a
// non-finite value there would poison real rows through a zero weight);
// the backward reuses the forward's head-split q, k, v and output and masks
// the output gradient.

// CHECK-LABEL: func.func @train_step
// CHECK: %[[Q:.*]] = ds.pad %{{.*}} : (tensor<1x3x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK: %[[K:.*]] = ds.pad %{{.*}} : (tensor<1x3x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK: %[[V:.*]] = ds.pad %{{.*}} : (tensor<1x3x2x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK: ds.all_to_all {{.*}} on @mesh ["sp"] split_dim = 1
// CHECK: %[[O:.*]] = ds.attention %[[QH:[^,]+]], %[[KH:[^,]+]], %[[VH:[^ ]+]] causal {{.*}} -> tensor<1x2x4x2xf32>
// CHECK: %[[OS:.*]] = ds.all_to_all %[[O]] on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<1x2x4x2xf32>) -> tensor<1x4x2x2xf32>
// CHECK: ds.slice %[[OS]] starts = [0, 0, 0, 0] limits = [1, 3, 2, 2]
// CHECK-NOT: ds.all_gather
// CHECK: ds.attention_grad %[[QH]], %[[KH]], %[[VH]], %[[O]], %{{.*}} causal
// CHECK-NOT: ds.all_gather
// CHECK: return
func.func @forward(%wq: tensor<16x6xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<16x6xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<16x6xf32> {ds.name = "wv", ds.trainable},
                   %wo: tensor<16x6xf32> {ds.name = "wo", ds.trainable},
                   %tokens: tensor<1x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<1x3xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %eq = ds.embedding %wq, %tokens : (tensor<16x6xf32>, tensor<1x3xi64>) -> tensor<1x3x6xf32>
  %ek = ds.embedding %wk, %tokens : (tensor<16x6xf32>, tensor<1x3xi64>) -> tensor<1x3x6xf32>
  %ev = ds.embedding %wv, %tokens : (tensor<16x6xf32>, tensor<1x3xi64>) -> tensor<1x3x6xf32>
  %q4 = ds.reshape %eq : (tensor<1x3x6xf32>) -> tensor<1x3x3x2xf32>
  %k4 = ds.reshape %ek : (tensor<1x3x6xf32>) -> tensor<1x3x3x2xf32>
  %v4 = ds.reshape %ev : (tensor<1x3x6xf32>) -> tensor<1x3x3x2xf32>
  %q = ds.transpose %q4 permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %k = ds.transpose %k4 permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %v = ds.transpose %v4 permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %o = ds.attention %q, %k, %v causal scale = 0.5 : (tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %ot = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %o3 = ds.reshape %ot : (tensor<1x3x3x2xf32>) -> tensor<1x3x6xf32>
  %h = ds.linear %o3, %wo : (tensor<1x3x6xf32>, tensor<16x6xf32>) -> tensor<1x3x16xf32>
  %logits = ds.reshape %h : (tensor<1x3x16xf32>) -> tensor<3x16xf32>
  %lab = ds.reshape %labels : (tensor<1x3xi64>) -> tensor<3xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<3x16xf32>, tensor<3xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Grouped-query attention with fewer kv heads than sp (2 for 4 query heads,
// sp = 4): each kv head is repeated twice (a broadcast before the
// all-to-alls, which -ds-fuse-all-to-all would make one), so that every rank gets one whole query head and its kv
// head; the kv gradients are summed back over the repeats.

// SP4-LABEL: func.func @train_step
// SP4: %[[KB:.*]] = ds.broadcast %{{.*}} : (tensor<1x2x1x1x2xf32>) -> tensor<1x2x2x1x2xf32>
// SP4: ds.all_to_all {{.*}} on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<1x4x1x2xf32>) -> tensor<1x1x4x2xf32>
// SP4: ds.attention {{.*}} : (tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x2xf32>
// SP4: ds.all_to_all
// SP4-NOT: ds.all_gather
// SP4: ds.attention_grad
// SP4: %[[DKS:.*]] = ds.all_to_all %grad_key {{.*}} : (tensor<1x1x4x2xf32>) -> tensor<1x4x1x2xf32>
// SP4: %[[DK:.*]] = ds.reshape %[[DKS]] : (tensor<1x4x1x2xf32>) -> tensor<1x2x2x1x2xf32>
// SP4: ds.sum %[[DK]] dims = [2] : (tensor<1x2x2x1x2xf32>) -> tensor<1x2x1x2xf32>
// SP4-NOT: ds.all_gather
// SP4: return
func.func @forward(%wq: tensor<16x8xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<16x4xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<16x4xf32> {ds.name = "wv", ds.trainable},
                   %wo: tensor<16x8xf32> {ds.name = "wo", ds.trainable},
                   %tokens: tensor<1x4xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<1x4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %eq = ds.embedding %wq, %tokens : (tensor<16x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
  %ek = ds.embedding %wk, %tokens : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %ev = ds.embedding %wv, %tokens : (tensor<16x4xf32>, tensor<1x4xi64>) -> tensor<1x4x4xf32>
  %q4 = ds.reshape %eq : (tensor<1x4x8xf32>) -> tensor<1x4x4x2xf32>
  %k4 = ds.reshape %ek : (tensor<1x4x4xf32>) -> tensor<1x4x2x2xf32>
  %v4 = ds.reshape %ev : (tensor<1x4x4xf32>) -> tensor<1x4x2x2xf32>
  %q = ds.transpose %q4 permutation = [0, 2, 1, 3] : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %k = ds.transpose %k4 permutation = [0, 2, 1, 3] : (tensor<1x4x2x2xf32>) -> tensor<1x2x4x2xf32>
  %v = ds.transpose %v4 permutation = [0, 2, 1, 3] : (tensor<1x4x2x2xf32>) -> tensor<1x2x4x2xf32>
  %o = ds.attention %q, %k, %v causal scale = 0.5 : (tensor<1x4x4x2xf32>, tensor<1x2x4x2xf32>, tensor<1x2x4x2xf32>) -> tensor<1x4x4x2xf32>
  %ot = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %o3 = ds.reshape %ot : (tensor<1x4x4x2xf32>) -> tensor<1x4x8xf32>
  %h = ds.linear %o3, %wo : (tensor<1x4x8xf32>, tensor<16x8xf32>) -> tensor<1x4x16xf32>
  %logits = ds.reshape %h : (tensor<1x4x16xf32>) -> tensor<4x16xf32>
  %lab = ds.reshape %labels : (tensor<1x4xi64>) -> tensor<4xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<4x16xf32>, tensor<4xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A mean over the padded sequence sees zeros there and is rescaled by the
// padded over the real count (8/6), in f32 for a bf16 mean: the mean
// keeps its f32 accumulator, the ranks' means are averaged and rescaled in
// f32, and the result is rounded to bf16 once, as the unpadded mean is.

// CHECK-LABEL: func.func @train_step(%arg0: tensor<16x4xbf16>
// CHECK-DAG: %[[SCALE:.*]] = ds.constant dense<1.33333337> : tensor<f32>
// CHECK: %[[M:.*]] = ds.mean %{{.*}} : (tensor<2x2x4xbf16>) -> tensor<f32>
// CHECK-NOT: ds.convert
// CHECK: %[[G:.*]] = ds.all_reduce %[[M]] on @mesh ["sp"] reduction = mean : tensor<f32>
// CHECK: %[[S:.*]] = ds.mul %[[G]], %[[SCALE]]
// CHECK: %[[L:.*]] = ds.convert %[[S]] : (tensor<f32>) -> tensor<bf16>
// CHECK: return %[[L]]
func.func @forward(%w: tensor<16x4xbf16> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<bf16> {
  %e = ds.embedding %w, %tokens : (tensor<16x4xbf16>, tensor<2x3xi64>) -> tensor<2x3x4xbf16>
  %m = ds.mean %e dims = [0, 1, 2] : (tensor<2x3x4xbf16>) -> tensor<bf16>
  return %m : tensor<bf16>
}

// -----

// Non-causal attention (an encoder) with a key-padding bias [B, 1, 1, S]
// over a padded sequence (3 -> 4, sp = 2): the queries stay padded (each
// row is independent), the keys too, with the padded key masked by
// `key_length = 3`, forward and backward; the bias grows with a zero
// column. q, k and v move to heads (one all-to-all each way); the bias,
// which has no heads, is gathered whole.

// CHECK-LABEL: func.func @train_step(%arg0: tensor<16x4xf32> {ds.name = "wq"
// CHECK: ds.all_to_all {{.*}} on @mesh ["sp"] split_dim = 1
// CHECK: ds.all_gather %{{.*}} on @mesh ["sp"] dim = 3 : (tensor<1x1x1x2xf32>) -> tensor<1x1x1x4xf32>
// CHECK: %[[O:.*]] = ds.attention %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} key_length = 3 scale = 5.000000e-01 : {{.*}}tensor<1x1x1x4xf32>) -> tensor<1x1x4x2xf32>
// CHECK: ds.all_to_all %[[O]] on @mesh ["sp"] split_dim = 2 concat_dim = 1
// CHECK-NOT: ds.all_gather
// CHECK: ds.attention_grad {{.*}} bias %{{.*}} key_length = 3 scale = 5.000000e-01
// CHECK-NOT: ds.all_gather
// CHECK: return
func.func @forward(%wq: tensor<16x4xf32> {ds.name = "wq", ds.trainable},
                   %wk: tensor<16x4xf32> {ds.name = "wk", ds.trainable},
                   %wv: tensor<16x4xf32> {ds.name = "wv", ds.trainable},
                   %wo: tensor<16x4xf32> {ds.name = "wo", ds.trainable},
                   %tokens: tensor<1x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<1x3xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %eq = ds.embedding %wq, %tokens : (tensor<16x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %ek = ds.embedding %wk, %tokens : (tensor<16x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %ev = ds.embedding %wv, %tokens : (tensor<16x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %q4 = ds.reshape %eq : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %k4 = ds.reshape %ek : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %v4 = ds.reshape %ev : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %q = ds.transpose %q4 permutation = [0, 2, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %k = ds.transpose %k4 permutation = [0, 2, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %v = ds.transpose %v4 permutation = [0, 2, 1, 3] : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %zero = ds.constant dense<0> : tensor<i64>
  %pad = ds.compare eq, %tokens, %zero : (tensor<1x3xi64>, tensor<i64>) -> tensor<1x3xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %none = ds.constant dense<0.0> : tensor<f32>
  %mask2 = ds.select %pad, %min, %none : (tensor<1x3xi1>, tensor<f32>, tensor<f32>) -> tensor<1x3xf32>
  %mask = ds.reshape %mask2 : (tensor<1x3xf32>) -> tensor<1x1x1x3xf32>
  %o = ds.attention %q, %k, %v bias %mask scale = 0.5 : (tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>, tensor<1x2x3x2xf32>, tensor<1x1x1x3xf32>) -> tensor<1x2x3x2xf32>
  %ot = ds.transpose %o permutation = [0, 2, 1, 3] : (tensor<1x2x3x2xf32>) -> tensor<1x3x2x2xf32>
  %o3 = ds.reshape %ot : (tensor<1x3x2x2xf32>) -> tensor<1x3x4xf32>
  %h = ds.linear %o3, %wo : (tensor<1x3x4xf32>, tensor<16x4xf32>) -> tensor<1x3x16xf32>
  %logits = ds.reshape %h : (tensor<1x3x16xf32>) -> tensor<3x16xf32>
  %lab = ds.reshape %labels : (tensor<1x3xi64>) -> tensor<3xi64>
  %loss = ds.cross_entropy %logits, %lab ignore_index = -100 : (tensor<3x16xf32>, tensor<3xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// An integer maximum over the padded sequence (argmax's, HF's last-token
// pooling): the padding holds the type's smallest value, which no real
// element is below, then the ranks' maxima are all-reduced.
// CHECK-LABEL: func.func @train_step
// CHECK-DAG: %[[REAL:.*]] = ds.constant dense<{{\[}}[true, true, true, false]]> : tensor<1x4xi1>
// CHECK-DAG: %[[LOWEST:.*]] = ds.constant dense<-9223372036854775808> : tensor<i64>
// CHECK: %[[MINE:.*]] = ds.local_slice %[[REAL]] on @mesh ["sp"] dim = 1 : (tensor<1x4xi1>) -> tensor<1x2xi1>
// CHECK: %[[FILLED:.*]] = ds.select %[[MINE]], %{{.*}}, %[[LOWEST]] : (tensor<1x2xi1>, tensor<2x2xi64>, tensor<i64>)
// CHECK: %[[TOP:.*]] = ds.max %[[FILLED]] dims = [1]
// CHECK: ds.all_reduce %[[TOP]] on @mesh ["sp"] reduction =  max : tensor<2xi64>
func.func @forward(%w: tensor<16x4xf32> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<f32> {
  %top = ds.max %tokens dims = [1] : (tensor<2x3xi64>) -> tensor<2xi64>
  %e = ds.embedding %w, %top : (tensor<16x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  %s = ds.sum %e dims = [0, 1] : (tensor<2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// A reshape that cannot carry the padding (the padded [2, 3 -> 4] has no
// common pieces with [3, 2]): the operand is cut back to its 3 real
// positions and the reshape sees the original tensor. The slice needs the
// sequence whole, so its split moves to the features (an all-to-all; the
// result stays split there) rather than being gathered; the gradient is
// padded, masked and moved back on the way to the split embedding.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[E:.*]] = ds.embedding %arg0, %arg1 : (tensor<16x4xf32>, tensor<2x2xi64>) -> tensor<2x2x4xf32>
// CHECK: %[[G:.*]] = ds.all_to_all %[[E]] on @mesh ["sp"] split_dim = 2 concat_dim = 1 : (tensor<2x2x4xf32>) -> tensor<2x4x2xf32>
// CHECK: %[[REAL:.*]] = ds.slice %[[G]] starts = [0, 0, 0] limits = [2, 3, 2] strides = [1, 1, 1] : (tensor<2x4x2xf32>) -> tensor<2x3x2xf32>
// CHECK: ds.reshape %[[REAL]] : (tensor<2x3x2xf32>) -> tensor<3x2x2xf32>
// CHECK: %[[BACK:.*]] = ds.reshape %{{.*}} : (tensor<3x2x2xf32>) -> tensor<2x3x2xf32>
// CHECK: ds.pad %[[BACK]] low = [0, 0, 0] strides = [1, 1, 1] : (tensor<2x3x2xf32>) -> tensor<2x4x2xf32>
// CHECK: ds.all_to_all %{{.*}} on @mesh ["sp"] split_dim = 1 concat_dim = 2 : (tensor<2x4x2xf32>) -> tensor<2x2x4xf32>
// CHECK: ds.embedding_grad
func.func @forward(%w: tensor<16x4xf32> {ds.name = "w", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"}) -> tensor<f32> {
  %e = ds.embedding %w, %tokens : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %r = ds.reshape %e : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %t = ds.tanh %r : tensor<3x2x4xf32>
  %s = ds.sum %t dims = [0, 1, 2] : (tensor<3x2x4xf32>) -> tensor<f32>
  return %s : tensor<f32>
}
