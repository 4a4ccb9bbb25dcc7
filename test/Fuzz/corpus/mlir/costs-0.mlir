
// What the cost model charges each kind of op (CostOpInterface): matrix
// products 2*M*N*K (+1 per element for a bias), attention 2 products per
// query/key pair over the head and value dimensions, embeddings read only
// the rows they pick, reshapes are views, pointwise ops and reductions one
// operation per element of their largest tensor, AdamW 12 per element.
// Attention's gradient takes 5 products (2.5 forwards), 7 (3.5) where equal
// head sizes make its kernel ATen's fused one, which runs the forward again.
// The for-loop AdamW passes over parameter-sized tensors 14 times reading
// and 9 times writing; fused, it reads its operands and writes its results
// once. SGD with momentum and decay: 7 and 4 passes, or 3 and 2 fused.
// A recompute region costs what its body does.
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
