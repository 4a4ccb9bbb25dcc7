
// GPT-OSS's sinks as its eager attention imports: the causal mask added,
// a logit per head concatenated to every row, the rows' maxima (max(dim)'s
// values: the element at the first largest position) subtracted, the
// sinks' probabilities sliced off.
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

