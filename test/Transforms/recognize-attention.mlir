// RUN: ds-opt %s -split-input-file -ds-recognize-attention -canonicalize | FileCheck %s

// Additive -inf mask above the diagonal, scores divided by sqrt(d).
// CHECK-LABEL: func.func @additive_triu_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x4x8xf32>, %[[K:.*]]: tensor<1x2x4x8xf32>, %[[V:.*]]: tensor<1x2x4x8xf32>)
// CHECK-NEXT: %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal scale = 5.000000e-01
// CHECK-NEXT: return %[[O]]
func.func @additive_triu_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %kt = ds.transpose %k permutation = [0, 1, 3, 2] : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = ds.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<2.0> : tensor<f32>
  %d = ds.div %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// masked_fill(tril == 0, -inf): a boolean mask choosing -inf above the
// diagonal, the scale a multiplication, the key transposed by the flag.
// CHECK-LABEL: func.func @masked_fill_mask
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 causal scale = 2.500000e-01
// CHECK-NEXT: return %[[O]]
func.func @masked_fill_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<0.25> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %upper = ds.constant dense<[[[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]]]> : tensor<1x1x4x4xi1>
  %ninf = ds.constant dense<0xFF800000> : tensor<f32>
  %m = ds.select %upper, %ninf, %d : (tensor<1x1x4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// where(tril, scores, -inf): the condition marks the kept entries; the
// softmax runs in f32 between conversions of f16 values.
// CHECK-LABEL: func.func @where_mask_with_converts
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 causal scale = 1.000000e+00 : (tensor<1x1x4x8xf16>
// CHECK-NEXT: return %[[O]]
func.func @where_mask_with_converts(%q: tensor<1x1x4x8xf16>, %k: tensor<1x1x4x8xf16>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x4xf16>
  %lower = ds.constant dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %ninf = ds.constant dense<0xFC00> : tensor<f16>
  %m = ds.select %lower, %s, %ninf : (tensor<4x4xi1>, tensor<1x1x4x4xf16>, tensor<f16>) -> tensor<1x1x4x4xf16>
  %f = ds.convert %m : (tensor<1x1x4x4xf16>) -> tensor<1x1x4x4xf32>
  %p = ds.softmax %f dim = 3 : tensor<1x1x4x4xf32>
  %h = ds.convert %p : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf16>
  %o = ds.matmul %h, %v : (tensor<1x1x4x4xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16>
  return %o : tensor<1x1x4x8xf16>
}

// -----

// No mask: non-causal attention.
// CHECK-LABEL: func.func @no_mask
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 scale = 5.000000e-01
// CHECK-NOT: causal
// CHECK: return %[[O]]
func.func @no_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x6xf32>
  %c = ds.constant dense<0.5> : tensor<f32>
  %d = ds.mul %c, %s : (tensor<f32>, tensor<1x2x4x6xf32>) -> tensor<1x2x4x6xf32>
  %p = ds.softmax %d dim = 3 : tensor<1x2x4x6xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Keys and values repeated over heads (repeat_kv: unsqueeze, expand,
// reshape) become grouped-query attention over the original 2 heads.
// CHECK-LABEL: func.func @grouped_query
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x4x8xf32>, %[[K:.*]]: tensor<1x2x4x8xf32>, %[[V:.*]]: tensor<1x2x4x8xf32>)
// CHECK-NEXT: %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal scale = 5.000000e-01 : (tensor<1x4x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT: return %[[O]]
func.func @grouped_query(%q: tensor<1x4x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %k5 = ds.reshape %k : (tensor<1x2x4x8xf32>) -> tensor<1x2x1x4x8xf32>
  %ke = ds.broadcast %k5 : (tensor<1x2x1x4x8xf32>) -> tensor<1x2x2x4x8xf32>
  %kr = ds.reshape %ke : (tensor<1x2x2x4x8xf32>) -> tensor<1x4x4x8xf32>
  %v5 = ds.reshape %v : (tensor<1x2x4x8xf32>) -> tensor<1x2x1x4x8xf32>
  %ve = ds.broadcast %v5 : (tensor<1x2x1x4x8xf32>) -> tensor<1x2x2x4x8xf32>
  %vr = ds.reshape %ve : (tensor<1x2x2x4x8xf32>) -> tensor<1x4x4x8xf32>
  %s = ds.matmul %q, %kr transpose_rhs : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x4xf32>
  %c = ds.constant dense<0.5> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x4x4x4xf32>, tensor<f32>) -> tensor<1x4x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %mask, %d : (tensor<4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x4x4x4xf32>
  %o = ds.matmul %p, %vr : (tensor<1x4x4x4xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %o : tensor<1x4x4x8xf32>
}

// -----

// A constant mask that also hides the diagonal is no causal pattern: it is
// kept as the attention's bias (exact: a fully masked row is NaN either
// way).
// CHECK-LABEL: func.func @strict_mask_is_a_bias
// CHECK: %[[B:.*]] = ds.constant dense<{{.*}}> : tensor<1x1x2x2xf32>
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %[[B]] scale = 1.000000e+00
// CHECK-NOT: causal
// CHECK-NOT: ds.softmax
func.func @strict_mask_is_a_bias(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %mask = ds.constant dense<[[0xFF800000, 0xFF800000], [0.0, 0xFF800000]]> : tensor<2x2xf32>
  %m = ds.add %s, %mask : (tensor<1x1x2x2xf32>, tensor<2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// Probabilities that are also returned cannot disappear into ds.attention.
// CHECK-LABEL: func.func @probabilities_reused
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @probabilities_reused(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> (tensor<1x1x2x8xf32>, tensor<1x1x2x2xf32>) {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %s dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o, %p : tensor<1x1x2x8xf32>, tensor<1x1x2x2xf32>
}

// -----

// A right side that is no transpose is kᵀ itself, laid out [B, H, D, S]
// (BLOOM permutes its key that way): the key is its transpose.
// CHECK-LABEL: func.func @key_given_transposed
// CHECK-NEXT: %[[K:.*]] = ds.transpose %arg1 permutation = [0, 1, 3, 2]
// CHECK-NEXT: ds.attention %arg0, %[[K]], %arg2 scale = 1.000000e+00
// CHECK-NOT: ds.softmax
func.func @key_given_transposed(%q: tensor<1x1x2x2xf32>, %k: tensor<1x1x2x2xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %s dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// GPT-J: the mask before the scale, `where(causal, scores, finfo.min)`
// then a division.
// CHECK-LABEL: func.func @mask_before_scale
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 causal scale = 2.500000e-01
// CHECK-NEXT: return %[[O]]
func.func @mask_before_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %lower = ds.constant dense<[[true, false, false, false], [true, true, false, false], [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %lower, %s, %min : (tensor<4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<4.0> : tensor<f32>
  %d = ds.div %m, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %d dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// OPT: q scaled before the product, 3-D bmm over [B*H, S, D], the additive
// mask in the 4-D view, the clamp at finfo.min (harmless: causal rows keep
// their diagonal), the softmax in 3-D.
// CHECK-LABEL: func.func @opt_bmm_clamp
// CHECK-SAME: (%[[Q:.*]]: tensor<2x2x4x8xf32>, %[[K:.*]]: tensor<2x2x4x8xf32>, %[[V:.*]]: tensor<2x2x4x8xf32>)
// CHECK: %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal scale = 1.250000e-01 : {{.*}} -> tensor<2x2x4x8xf32>
// CHECK-NEXT: %[[R:.*]] = ds.reshape %[[O]] : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
// CHECK-NEXT: return %[[R]]
// CHECK-NOT: ds.softmax
func.func @opt_bmm_clamp(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32> {
  %c = ds.constant dense<0.125> : tensor<f32>
  %qs = ds.mul %q, %c : (tensor<2x2x4x8xf32>, tensor<f32>) -> tensor<2x2x4x8xf32>
  %q3 = ds.reshape %qs : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
  %k3 = ds.reshape %k : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
  %v3 = ds.reshape %v : (tensor<2x2x4x8xf32>) -> tensor<4x4x8xf32>
  %kt = ds.transpose %k3 permutation = [0, 2, 1] : (tensor<4x4x8xf32>) -> tensor<4x8x4xf32>
  %s = ds.matmul %q3, %kt : (tensor<4x4x8xf32>, tensor<4x8x4xf32>) -> tensor<4x4x4xf32>
  %s4 = ds.reshape %s : (tensor<4x4x4xf32>) -> tensor<2x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, 0.0, -3.40282347E+38], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %s4, %mask : (tensor<2x2x4x4xf32>, tensor<4x4xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %cl = ds.maximum %m, %min : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %m3 = ds.reshape %cl : (tensor<2x2x4x4xf32>) -> tensor<4x4x4xf32>
  %p = ds.softmax %m3 dim = 2 : tensor<4x4x4xf32>
  %o = ds.matmul %p, %v3 : (tensor<4x4x4xf32>, tensor<4x4x8xf32>) -> tensor<4x4x8xf32>
  return %o : tensor<4x4x8xf32>
}

// -----

// A clamp without a causal mask could turn a fully masked row of -inf
// into a uniform one: left alone.
// CHECK-LABEL: func.func @clamp_without_causal_stays
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @clamp_without_causal_stays(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %bias: tensor<1x1x2x2xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %m = ds.add %s, %bias : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %cl = ds.maximum %m, %min : (tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %cl dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// BLOOM / NeoX: baddbmm(alibi, q, kᵀ, beta=1, alpha) over [B*H, S, D], the
// causal mask by masked_fill on the 4-D view: the ALiBi term becomes the
// bias [1, H, 1, S] (not scaled: it is added after alpha).
// CHECK-LABEL: func.func @baddbmm_alibi
// CHECK: %[[B:.*]] = ds.constant dense<{{.*}}> : tensor<1x2x1x4xf32>
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %[[B]] causal scale = 5.000000e-01 : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x1x4xf32>) -> tensor<1x2x4x8xf32>
// CHECK-NOT: ds.softmax
func.func @baddbmm_alibi(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32> {
  %q3 = ds.reshape %q : (tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  %k3 = ds.reshape %k : (tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  %v3 = ds.reshape %v : (tensor<1x2x4x8xf32>) -> tensor<2x4x8xf32>
  %s = ds.matmul %q3, %k3 transpose_rhs : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x4xf32>
  %alpha = ds.constant dense<0.5> : tensor<f32>
  %sa = ds.mul %s, %alpha : (tensor<2x4x4xf32>, tensor<f32>) -> tensor<2x4x4xf32>
  %alibi = ds.constant dense<[[[0.0, 0.5, 1.0, 1.5]], [[0.0, 0.25, 0.5, 0.75]]]> : tensor<2x1x4xf32>
  %sb = ds.add %alibi, %sa : (tensor<2x1x4xf32>, tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %s4 = ds.reshape %sb : (tensor<2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %upper = ds.constant dense<[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]> : tensor<4x4xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %upper, %min, %s4 : (tensor<4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %p3 = ds.reshape %p : (tensor<1x2x4x4xf32>) -> tensor<2x4x4xf32>
  %o = ds.matmul %p3, %v3 : (tensor<2x4x4xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// Mistral: a sliding-window mask (window 2) becomes `window`; no [S, S]
// constant remains.
// CHECK-LABEL: func.func @sliding_window
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 causal window = 2 scale = 5.000000e-01
// CHECK-NEXT: return %[[O]]
func.func @sliding_window(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<0.5> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[[[0.0, -3.40282347E+38, -3.40282347E+38, -3.40282347E+38], [0.0, 0.0, -3.40282347E+38, -3.40282347E+38], [-3.40282347E+38, 0.0, 0.0, -3.40282347E+38], [-3.40282347E+38, -3.40282347E+38, 0.0, 0.0]]]]> : tensor<1x1x4x4xf32>
  %m = ds.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// BERT: a key-padding mask computed from the data, [B, 1, 1, S], added
// after the scale to non-causal attention: the bias operand.
// CHECK-LABEL: func.func @key_padding_bias
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 bias %arg3 scale = 5.000000e-01
// CHECK-NEXT: return %[[O]]
func.func @key_padding_bias(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %mask: tensor<2x1x1x4xf32>) -> tensor<2x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x4xf32>
  %c = ds.constant dense<2.0> : tensor<f32>
  %d = ds.div %s, %c : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %m = ds.add %d, %mask : (tensor<2x2x4x4xf32>, tensor<2x1x1x4xf32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// A bias added before the scale is scaled with the scores.
// CHECK-LABEL: func.func @bias_before_scale
// CHECK: %[[C:.*]] = ds.constant dense<2.500000e-01> : tensor<f32>
// CHECK: %[[B:.*]] = ds.mul %arg3, %[[C]]
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %[[B]] scale = 2.500000e-01
func.func @bias_before_scale(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %mask: tensor<2x1x1x4xf32>) -> tensor<2x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x4xf32>
  %m = ds.add %s, %mask : (tensor<2x2x4x4xf32>, tensor<2x1x1x4xf32>) -> tensor<2x2x4x4xf32>
  %c = ds.constant dense<4.0> : tensor<f32>
  %d = ds.div %m, %c : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %d dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// A mask selected by a condition computed from the data, filling finfo.min:
// a row it hides whole has a uniform softmax, and the select gives its
// scores no gradient where a bias would (no constant proves that no row is
// hidden whole): the attention's fill, the mask a bias of -inf.
// CHECK-LABEL: func.func @data_where_mask
// CHECK: %[[Z:.*]] = ds.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[INF:.*]] = ds.constant dense<0xFF800000> : tensor<f32>
// CHECK: %[[SEL:.*]] = ds.select %arg3, %[[Z]], %[[INF]]
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %[[SEL]] scale = 1.000000e+00 fill = -3.4028234663852886E+38
// CHECK-NOT: ds.softmax
func.func @data_where_mask(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %keep: tensor<2x1x1x4xi1>) -> tensor<2x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<2x1x1x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// Filling -inf (SDPA's boolean mask): a row hidden whole is zero with no
// gradient either way, so the bias select(keep, 0, -inf) is exact.
// CHECK-LABEL: func.func @data_where_mask_inf
// CHECK: %[[Z:.*]] = ds.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[INF:.*]] = ds.constant dense<0xFF800000> : tensor<f32>
// CHECK: %[[SEL:.*]] = ds.select %arg3, %[[Z]], %[[INF]] : (tensor<2x1x1x4xi1>, tensor<f32>, tensor<f32>) -> tensor<2x1x1x4xf32>
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %[[SEL]] scale = 1.000000e+00
func.func @data_where_mask_inf(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %keep: tensor<2x1x1x4xi1>) -> tensor<2x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x4xf32>
  %inf = ds.constant dense<0xFF800000> : tensor<f32>
  %m = ds.select %keep, %s, %inf : (tensor<2x1x1x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// A constant mask that is no causal pattern but hides no row whole: the
// bias select(keep, 0, min) is exact and taken; one that hides a row is
// the attention's fill.
// CHECK-LABEL: func.func @constant_mask_rows
// CHECK: ds.attention %arg0, %arg1, %arg2 bias
// CHECK-NOT: fill
// CHECK-LABEL: func.func @constant_mask_hidden_row
// CHECK: ds.attention {{.*}} fill = -3.4028234663852886E+38
// CHECK-NOT: ds.softmax
func.func @constant_mask_rows(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %keep = ds.constant dense<[[[[false, true], [true, true]]]]> : tensor<1x1x2x2xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
func.func @constant_mask_hidden_row(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %keep = ds.constant dense<[[[[false, false], [true, true]]]]> : tensor<1x1x2x2xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// A bias that a trainable parameter reaches is taken: ds.attention_grad
// gives it its gradient (attention-bias-gradient.mlir).
// CHECK-LABEL: func.func @trainable_bias
// CHECK-NEXT: ds.attention %arg0, %arg1, %arg2 bias %arg3 scale = 1.000000e+00
// CHECK-NEXT: return
func.func @trainable_bias(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %rel: tensor<1x2x4x4xf32> {ds.trainable}) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %m = ds.add %s, %rel : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Gemma 2's soft-capping: scores scaled, divided by the cap, tanh, times
// the cap, then the causal mask. The cap is the scale outside the tanh;
// the scale of ds.attention is all of them (0.25 * 50 / 50).
// CHECK-LABEL: func.func @soft_capped
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 causal scale = 2.500000e-01 softcap = 5.000000e+01
// CHECK-NEXT: return %[[O]]
func.func @soft_capped(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<0.25> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %cap = ds.constant dense<50.0> : tensor<f32>
  %x = ds.div %d, %cap : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = ds.tanh %x : tensor<1x2x4x4xf32>
  %y = ds.mul %t, %cap : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %y, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A scale outside the cap multiplies the cap, the scale and the bias
// added after the cap: 2 * (3 * tanh(s / 4) + b) is 6 * tanh(1.5 s / 6)
// plus 2 b.
// CHECK-LABEL: func.func @scaled_after_the_cap
// CHECK: %[[B:.*]] = ds.mul %arg3, %{{.*}}
// CHECK-NEXT: ds.attention %arg0, %arg1, %arg2 bias %[[B]] scale = 1.500000e+00 softcap = 6.000000e+00
func.func @scaled_after_the_cap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %b: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c4 = ds.constant dense<4.0> : tensor<f32>
  %x = ds.div %s, %c4 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = ds.tanh %x : tensor<1x2x4x4xf32>
  %c3 = ds.constant dense<3.0> : tensor<f32>
  %y = ds.mul %c3, %t : (tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %z = ds.add %y, %b : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c2 = ds.constant dense<2.0> : tensor<f32>
  %w = ds.mul %z, %c2 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %w dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A mask under the cap (tanh of masked scores) is not ds.attention's
// order: left alone.
// CHECK-LABEL: func.func @mask_under_the_cap
// CHECK-NOT: ds.attention
// CHECK: ds.tanh
func.func @mask_under_the_cap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, -1.0e+09, -1.0e+09, -1.0e+09], [0.0, 0.0, -1.0e+09, -1.0e+09], [0.0, 0.0, 0.0, -1.0e+09], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %s, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %t = ds.tanh %m : tensor<1x2x4x4xf32>
  %p = ds.softmax %t dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A way of peeling that fails leaves nothing behind. q · kᵀ is not
// reached by a trainable parameter here, so the add is first read as the
// bias q · kᵀ · 0.5 on top of scores x · 0.25, whose peeling takes the
// 0.25 and fails at x; the other reading must start from scale 1 again
// (it once kept the 0.25: scale 0.125, a silently wrong attention).
// CHECK-LABEL: func.func @failed_way_leaves_no_scale
// CHECK: %[[B:.*]] = ds.mul %arg3, %{{.*}}
// CHECK-NEXT: ds.attention %arg0, %arg1, %arg2 bias %[[B]] scale = 5.000000e-01 :
func.func @failed_way_leaves_no_scale(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c5 = ds.constant dense<0.5> : tensor<f32>
  %sq = ds.mul %s, %c5 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %c25 = ds.constant dense<0.25> : tensor<f32>
  %xb = ds.mul %x, %c25 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %m = ds.add %xb, %sq : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// GPT-OSS's sinks as its eager attention imports: the causal mask added,
// a logit per head concatenated to every row, the rows' maxima (max(dim)'s
// values: the element at the first largest position) subtracted, the
// sinks' probabilities sliced off.
// CHECK-LABEL: func.func @gpt_oss_sinks
// CHECK-NEXT: %[[O:.*]] = ds.attention %arg0, %arg1, %arg2 sinks %arg3 causal scale = 2.500000e-01
// CHECK-NEXT: return %[[O]]
func.func @gpt_oss_sinks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %sinks: tensor<2xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<0.25> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.add %d, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = ds.reshape %sinks : (tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %col = ds.broadcast %r : (tensor<1x2x1x1xf32>) -> tensor<1x2x4x1xf32>
  %x = ds.concat %m, %col dim = 3 : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xf32>
  %max = ds.max %x dims = [3] keepdim : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x1xf32>
  %hit = ds.compare eq, %x, %max : (tensor<1x2x4x5xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xi1>
  %nan = ds.compare ne, %x, %x : (tensor<1x2x4x5xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x4x5xi1>
  %marks = ds.select %nan, %nan, %hit : (tensor<1x2x4x5xi1>, tensor<1x2x4x5xi1>, tensor<1x2x4x5xi1>) -> tensor<1x2x4x5xi1>
  %iota = ds.iota dim = 3 : tensor<1x1x1x5xi64>
  %last = ds.constant dense<4> : tensor<i64>
  %fromEnd = ds.sub %last, %iota : (tensor<i64>, tensor<1x1x1x5xi64>) -> tensor<1x1x1x5xi64>
  %none = ds.constant dense<-1> : tensor<i64>
  %cand = ds.select %marks, %fromEnd, %none : (tensor<1x2x4x5xi1>, tensor<1x1x1x5xi64>, tensor<i64>) -> tensor<1x2x4x5xi64>
  %firstFromEnd = ds.max %cand dims = [3] keepdim : (tensor<1x2x4x5xi64>) -> tensor<1x2x4x1xi64>
  %first = ds.sub %last, %firstFromEnd : (tensor<i64>, tensor<1x2x4x1xi64>) -> tensor<1x2x4x1xi64>
  %table = ds.reshape %x : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x1x5xf32>
  %wanted = ds.reshape %first : (tensor<1x2x4x1xi64>) -> tensor<1x2x4x1x1xi64>
  %iota5 = ds.iota dim = 4 : tensor<1x1x1x1x5xi64>
  %match = ds.compare eq, %wanted, %iota5 : (tensor<1x2x4x1x1xi64>, tensor<1x1x1x1x5xi64>) -> tensor<1x2x4x1x5xi1>
  %zero = ds.constant dense<0.0> : tensor<f32>
  %chosen = ds.select %match, %table, %zero : (tensor<1x2x4x1x5xi1>, tensor<1x2x4x1x5xf32>, tensor<f32>) -> tensor<1x2x4x1x5xf32>
  %rowMax = ds.sum %chosen dims = [4] : (tensor<1x2x4x1x5xf32>) -> tensor<1x2x4x1xf32>
  %shifted = ds.sub %x, %rowMax : (tensor<1x2x4x5xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xf32>
  %p = ds.softmax %shifted dim = 3 : tensor<1x2x4x5xf32>
  %kept = ds.slice %p starts = [0, 0, 0, 0] limits = [1, 2, 4, 4] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x4xf32>
  %o = ds.matmul %kept, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// `scores - scores.amax(-1, keepdim=True)` before the softmax: a shift the
// softmax does not see. Sinks broadcast from [H, 1, 1].
// CHECK-LABEL: func.func @amax_shift_and_sinks
// CHECK: %[[S:.*]] = ds.reshape %arg3 : (tensor<2x1x1xf32>) -> tensor<2xf32>
// CHECK-NEXT: ds.attention %arg0, %arg1, %arg2 sinks %[[S]] scale = 1.250000e-01
func.func @amax_shift_and_sinks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %sinks: tensor<2x1x1xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x6xf32>
  %c = ds.constant dense<0.125> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x6xf32>, tensor<f32>) -> tensor<1x2x4x6xf32>
  %col = ds.broadcast %sinks : (tensor<2x1x1xf32>) -> tensor<1x2x4x1xf32>
  %x = ds.concat %d, %col dim = 3 : (tensor<1x2x4x6xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x7xf32>
  %max = ds.max %x dims = [3] keepdim : (tensor<1x2x4x7xf32>) -> tensor<1x2x4x1xf32>
  %shifted = ds.sub %x, %max : (tensor<1x2x4x7xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x7xf32>
  %p = ds.softmax %shifted dim = 3 : tensor<1x2x4x7xf32>
  %kept = ds.slice %p starts = [0, 0, 0, 0] limits = [1, 2, 4, 6] strides = [1, 1, 1, 1] : (tensor<1x2x4x7xf32>) -> tensor<1x2x4x6xf32>
  %o = ds.matmul %kept, %v : (tensor<1x2x4x6xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A shift that is not the rows' maximum (here their first element, which
// a mask may make -inf) changes a softmax: left alone. So is a sink column
// whose probability is kept, and one sliced off the wrong end.
// CHECK-LABEL: func.func @not_sinks
// CHECK-NOT: ds.attention
// CHECK: return
func.func @not_sinks(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %v5: tensor<1x2x5x8xf32>, %sinks: tensor<2xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %r = ds.reshape %sinks : (tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %col = ds.broadcast %r : (tensor<1x2x1x1xf32>) -> tensor<1x2x4x1xf32>
  %x = ds.concat %s, %col dim = 3 : (tensor<1x2x4x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xf32>
  %first = ds.slice %x starts = [0, 0, 0, 0] limits = [1, 2, 4, 1] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x1xf32>
  %shifted = ds.sub %x, %first : (tensor<1x2x4x5xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x4x5xf32>
  %p = ds.softmax %shifted dim = 3 : tensor<1x2x4x5xf32>
  %kept = ds.slice %p starts = [0, 0, 0, 0] limits = [1, 2, 4, 4] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x4xf32>
  %o = ds.matmul %kept, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %p2 = ds.softmax %x dim = 3 : tensor<1x2x4x5xf32>
  %o2 = ds.matmul %p2, %v5 : (tensor<1x2x4x5xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32>
  %p3 = ds.softmax %x dim = 3 : tensor<1x2x4x5xf32>
  %front = ds.slice %p3 starts = [0, 0, 0, 1] limits = [1, 2, 4, 5] strides = [1, 1, 1, 1] : (tensor<1x2x4x5xf32>) -> tensor<1x2x4x4xf32>
  %o3 = ds.matmul %front, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o, %o2, %o3 : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// -----

// DeBERTa-v2: kᵀ divided by sqrt(d * factor) before the product, a bias
// computed from q and k added, finfo.min filled where the padding mask
// [B, 1, S, S] hides, then halved: the scale takes the division and the
// halving, the fill is finfo.min halved, the bias keeps its gradient path.
// CHECK-LABEL: func.func @deberta_fill
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %{{.*}} scale = 1.250000e-01 fill = -1.7014117331926443E+38
// CHECK-NOT: ds.softmax
func.func @deberta_fill(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %keep: tensor<2x1x4x4xi1>, %rel: tensor<2x2x4x4xf32>) -> tensor<2x2x4x8xf32> {
  %kt = ds.transpose %k permutation = [0, 1, 3, 2] : (tensor<2x2x4x8xf32>) -> tensor<2x2x8x4xf32>
  %c = ds.constant dense<4.0> : tensor<f32>
  %kd = ds.div %kt, %c : (tensor<2x2x8x4xf32>, tensor<f32>) -> tensor<2x2x8x4xf32>
  %s = ds.matmul %q, %kd : (tensor<2x2x4x8xf32>, tensor<2x2x8x4xf32>) -> tensor<2x2x4x4xf32>
  %b = ds.add %s, %rel : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %b, %min : (tensor<2x1x4x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %h = ds.constant dense<0.5> : tensor<f32>
  %x = ds.mul %m, %h : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %x dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// A fill divided by sqrt(8) after it: the fill times 1 / sqrt(8), not a
// float32 exactly (rounded as the scores' own division rounds it).
// CHECK-LABEL: func.func @fill_then_divide
// CHECK: ds.attention %arg0, %arg1, %arg2 bias %{{.*}} scale = 0.35355{{[0-9]*}} fill = -1.2030{{[0-9]*}}E+38
func.func @fill_then_divide(%q: tensor<2x2x4x8xf32>, %k: tensor<2x2x4x8xf32>, %v: tensor<2x2x4x8xf32>, %keep: tensor<2x1x1x4xi1>) -> tensor<2x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<2x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x4xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<2x1x1x4xi1>, tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %c = ds.constant dense<2.82842708> : tensor<f32>
  %d = ds.div %m, %c : (tensor<2x2x4x4xf32>, tensor<f32>) -> tensor<2x2x4x4xf32>
  %p = ds.softmax %d dim = 3 : tensor<2x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<2x2x4x4xf32>, tensor<2x2x4x8xf32>) -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

// -----

// A fill is exact only where nothing else hides a score: not beside a
// causal mask (a row filled whole is uniform over the future keys too), not
// over a -inf mask (which the fill would turn into fill), not under a bias
// added after it (the filled scores would not be the fill).
// CHECK-LABEL: func.func @fill_over_causal
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
// CHECK-LABEL: func.func @fill_over_inf_mask
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
// CHECK-LABEL: func.func @bias_after_fill
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @fill_over_causal(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %keep: tensor<1x1x1x2xi1>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %causal = ds.constant dense<[[[[true, false], [true, true]]]]> : tensor<1x1x2x2xi1>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %c = ds.select %causal, %s, %min : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %m = ds.select %keep, %c, %min : (tensor<1x1x1x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
func.func @fill_over_inf_mask(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %keep: tensor<1x1x1x2xi1>, %keep2: tensor<1x1x2x2xi1>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %inf = ds.constant dense<0xFF800000> : tensor<f32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %c = ds.select %keep2, %s, %inf : (tensor<1x1x2x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %m = ds.select %keep, %c, %min : (tensor<1x1x1x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
func.func @bias_after_fill(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %keep: tensor<1x1x1x2xi1>, %alibi: tensor<1x1x1x2xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x2xf32>
  %min = ds.constant dense<-3.40282347E+38> : tensor<f32>
  %m = ds.select %keep, %s, %min : (tensor<1x1x1x2xi1>, tensor<1x1x2x2xf32>, tensor<f32>) -> tensor<1x1x2x2xf32>
  %b = ds.add %m, %alibi : (tensor<1x1x2x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %b dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}

// -----

// FlexAttention's dense form (examples/lower_flex.py): an ALiBi bias
// subtracted, a data-dependent -inf mask, and PyTorch's _safe_softmax
// zeroing the rows that see no key before and after the softmax, which
// is what ds.attention does there.
// CHECK-LABEL: func.func @flex_dense_form
// CHECK-SAME: %[[Q:[a-z0-9]+]]: tensor<1x2x4x8xf32>, %[[K:[a-z0-9]+]]: tensor<1x2x4x8xf32>, %[[V:[a-z0-9]+]]: tensor<1x2x4x8xf32>, %[[SEEN:[a-z0-9]+]]: tensor<1x1x4x4xi1>, %[[SLOPE:[a-z0-9]+]]: tensor<1x2x4x4xf32>
// CHECK: %[[NEG:.*]] = ds.mul %[[SLOPE]]
// CHECK: %[[BIAS:.*]] = ds.add
// CHECK: %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] bias %[[BIAS]] scale = 2.500000e-01
// CHECK-NOT: ds.softmax
// CHECK: return %[[O]]
func.func @flex_dense_form(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %seen: tensor<1x1x4x4xi1>, %slope: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<0.25> : tensor<f32>
  %d = ds.mul %s, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %a = ds.sub %d, %slope : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %ninf = ds.constant dense<0xFF800000> : tensor<f32>
  %zero = ds.constant dense<0.0> : tensor<f32>
  %m = ds.select %seen, %a, %ninf : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %max = ds.max %m dims = [3] keepdim : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x1xf32>
  %blind = ds.compare eq, %max, %ninf : (tensor<1x2x4x1xf32>, tensor<f32>) -> tensor<1x2x4x1xi1>
  %in = ds.select %blind, %zero, %m : (tensor<1x2x4x1xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %in dim = 3 : tensor<1x2x4x4xf32>
  %z = ds.select %blind, %zero, %p : (tensor<1x2x4x1xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %o = ds.matmul %z, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Rows zeroed before the softmax but not after it: a row that sees no key
// is uniform there, not zero as in ds.attention. Left alone.
// CHECK-LABEL: func.func @blind_rows_zeroed_before_only
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @blind_rows_zeroed_before_only(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %seen: tensor<1x1x4x4xi1>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %ninf = ds.constant dense<0xFF800000> : tensor<f32>
  %zero = ds.constant dense<0.0> : tensor<f32>
  %m = ds.select %seen, %s, %ninf : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %max = ds.max %m dims = [3] keepdim : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x1xf32>
  %blind = ds.compare eq, %max, %ninf : (tensor<1x2x4x1xf32>, tensor<f32>) -> tensor<1x2x4x1xi1>
  %in = ds.select %blind, %zero, %m : (tensor<1x2x4x1xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %in dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A subtracted -inf mask would unmask (scores - (-inf) = +inf): left alone.
// CHECK-LABEL: func.func @subtracted_infinite_mask
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @subtracted_infinite_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %mask = ds.constant dense<[[0.0, 0xFF800000, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0, 0.0]]> : tensor<4x4xf32>
  %m = ds.sub %s, %mask : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// A bias subtracted inside the cap: c·tanh((s - b)/c) is not the
// attention's c·tanh(s/c) - b. Left alone.
// CHECK-LABEL: func.func @subtracted_inside_cap
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @subtracted_inside_cap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %slope: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %s = ds.matmul %q, %k transpose_rhs : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x4xf32>
  %a = ds.sub %s, %slope : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %c = ds.constant dense<8.0> : tensor<f32>
  %d = ds.div %a, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %t = ds.tanh %d : tensor<1x2x4x4xf32>
  %m = ds.mul %t, %c : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
