// RUN: ds-opt %s -ds-test-print-costs -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s

// What the cost model charges each kind of op (CostOpInterface): matrix
// products 2*M*N*K (+1 per element for a bias), attention 2 products per
// query/key pair over the head and value dimensions, embeddings read only
// the rows they pick, reshapes are views, pointwise ops and reductions one
// operation per element of their largest tensor, AdamW 12 per element.
// Attention's gradient takes 5 products (2.5 forwards), 7 (3.5) where equal
// head sizes make its kernel ATen's fused one, which runs the forward again.
// CHECK: remark: ds.matmul flops=2048 read=768 written=512 matrix
// CHECK: remark: ds.linear flops=2176 read=832 written=512 matrix
// CHECK: remark: ds.attention flops=786432 read=40960 written=8192 matrix
// CHECK: remark: ds.embedding flops=0 read=576 written=512
// CHECK: remark: ds.reshape flops=0 read=0 written=0
// CHECK: remark: ds.exp flops=64 read=256 written=256
// CHECK: remark: ds.sum flops=64 read=256 written=32
// The for-loop AdamW passes over parameter-sized tensors 14 times reading
// and 9 times writing; fused, it reads its operands and writes its results
// once. SGD with momentum and decay: 7 and 4 passes, or 3 and 2 fused.
// CHECK: remark: ds.adamw_update flops=768 read=3584 written=2304
// CHECK: remark: ds.adamw_update flops=768 read=1032 written=768
// CHECK: remark: ds.sgd_update flops=256 read=1792 written=1024
// CHECK: remark: ds.sgd_update flops=256 read=768 written=512
// A recompute region costs what its body does.
// CHECK: remark: ds.recompute flops=2176 read=1280 written=1024
// CHECK: remark: ds.attention_grad flops=1966080 read={{[0-9]+}} written={{[0-9]+}} matrix
// CHECK: remark: ds.attention_grad flops=3670016 read={{[0-9]+}} written={{[0-9]+}} matrix
// CHECK-NOT: remark:
func.func @costs(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>, %w: tensor<16x8xf32>, %bias: tensor<16xf32>, %q: tensor<2x4x32x16xf32>, %k: tensor<2x2x64x16xf32>, %v: tensor<2x2x64x8xf32>, %t: tensor<2x4xi64>, %p: tensor<64xf32>, %g: tensor<64xf32>, %m: tensor<64xf32>, %s: tensor<64xf32>, %step: tensor<i64>) -> () {
  %0 = ds.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %1 = ds.linear %a, %w bias %bias : (tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %2 = ds.attention %q, %k, %v scale = 0.25 : (tensor<2x4x32x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x8xf32>) -> tensor<2x4x32x8xf32>
  %3 = ds.embedding %b, %t : (tensor<8x16xf32>, tensor<2x4xi64>) -> tensor<2x4x16xf32>
  %4 = ds.reshape %a : (tensor<2x4x8xf32>) -> tensor<8x8xf32>
  %5 = ds.exp %a : tensor<2x4x8xf32>
  %6 = ds.sum %a dims = [2] : (tensor<2x4x8xf32>) -> tensor<2x4xf32>
  %7:3 = ds.adamw_update %p, %g, %m, %s, %step lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  %fused:3 = ds.adamw_update %p, %g, %m, %s, %step lr = 1.0e-03 beta1 = 0.9 beta2 = 0.999 eps = 1.0e-08 weight_decay = 0.01 fused : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<i64>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  %sgd:2 = ds.sgd_update %p, %g, %m lr = 0.1 momentum = 0.9 weight_decay = 0.1 : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  %sgdfused:2 = ds.sgd_update %p, %g, %m lr = 0.1 momentum = 0.9 weight_decay = 0.1 fused : (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  %8 = ds.recompute block = 0 (%a, %b) : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32> {
  ^bb0(%x: tensor<2x4x8xf32>, %y: tensor<8x16xf32>):
    %mm = ds.matmul %x, %y : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
    %e = ds.exp %mm : tensor<2x4x16xf32>
    ds.yield %e : tensor<2x4x16xf32>
  }
  %9:3 = ds.attention_grad %q, %k, %v, %2, %2 scale = 0.25 : (tensor<2x4x32x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x8xf32>, tensor<2x4x32x8xf32>, tensor<2x4x32x8xf32>) -> (tensor<2x4x32x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x8xf32>)
  %10:3 = ds.attention_grad %q, %k, %k, %q, %q scale = 0.25 : (tensor<2x4x32x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x16xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>) -> (tensor<2x4x32x16xf32>, tensor<2x2x64x16xf32>, tensor<2x2x64x16xf32>)
  return
}
