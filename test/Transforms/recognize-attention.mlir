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

// A mask that also hides the diagonal is not causal attention: unchanged.
// CHECK-LABEL: func.func @strict_mask_stays
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @strict_mask_stays(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
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

// The key must be transposed for q · kᵀ; q · k is something else.
// CHECK-LABEL: func.func @untransposed_key_stays
// CHECK-NOT: ds.attention
// CHECK: ds.softmax
func.func @untransposed_key_stays(%q: tensor<1x1x2x2xf32>, %k: tensor<1x1x2x2xf32>, %v: tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32> {
  %s = ds.matmul %q, %k : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %p = ds.softmax %s dim = 3 : tensor<1x1x2x2xf32>
  %o = ds.matmul %p, %v : (tensor<1x1x2x2xf32>, tensor<1x1x2x8xf32>) -> tensor<1x1x2x8xf32>
  return %o : tensor<1x1x2x8xf32>
}
