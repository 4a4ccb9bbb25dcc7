
// The clean-up ds-import runs (-ds-import-cleanup: canonicalize, recognise
// attention, canonicalize, CSE) on what a traced model looks like: q and k
// computed twice from one input (CSE merges them), a causal mask built from
// constants (folded, recognised, then dead), a scale applied twice in a row
// and an identity reshape (canonicalized away). One ds.attention remains.

func.func @forward(%x: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %q = ds.reshape %x : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %k = ds.reshape %x : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %kt = ds.transpose %k permutation = [0, 1, 3, 2] : (tensor<1x2x4x8xf32>) -> tensor<1x2x8x4xf32>
  %s = ds.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %half = ds.constant dense<0.5> : tensor<f32>
  %s1 = ds.mul %s, %half : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %half2 = ds.constant dense<0.5> : tensor<f32>
  %s2 = ds.mul %s1, %half2 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %upper = ds.constant dense<[[[[false, true, true, true], [false, false, true, true], [false, false, false, true], [false, false, false, false]]]]> : tensor<1x1x4x4xi1>
  %ninf = ds.constant dense<0xFF800000> : tensor<f32>
  %m = ds.select %upper, %ninf, %s2 : (tensor<1x1x4x4xi1>, tensor<f32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = ds.softmax %m dim = 3 : tensor<1x2x4x4xf32>
  %v = ds.reshape %x : (tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %o = ds.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}
