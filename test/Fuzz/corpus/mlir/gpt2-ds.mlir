module {
  func.func @forward(%arg0: tensor<16x8xf32> {ds.name = "transformer.wte.weight", ds.trainable}, %arg1: tensor<8x8xf32> {ds.name = "transformer.wpe.weight", ds.trainable}, %arg2: tensor<8xf32> {ds.name = "transformer.h.0.ln_1.weight", ds.trainable}, %arg3: tensor<8xf32> {ds.name = "transformer.h.0.ln_1.bias", ds.trainable}, %arg4: tensor<24x8xf32> {ds.name = "transformer.h.0.attn.c_attn.weight", ds.trainable}, %arg5: tensor<24xf32> {ds.name = "transformer.h.0.attn.c_attn.bias", ds.trainable}, %arg6: tensor<8x8xf32> {ds.name = "transformer.h.0.attn.c_proj.weight", ds.trainable}, %arg7: tensor<8xf32> {ds.name = "transformer.h.0.attn.c_proj.bias", ds.trainable}, %arg8: tensor<8xf32> {ds.name = "transformer.h.0.ln_2.weight", ds.trainable}, %arg9: tensor<8xf32> {ds.name = "transformer.h.0.ln_2.bias", ds.trainable}, %arg10: tensor<32x8xf32> {ds.name = "transformer.h.0.mlp.c_fc.weight", ds.trainable}, %arg11: tensor<32xf32> {ds.name = "transformer.h.0.mlp.c_fc.bias", ds.trainable}, %arg12: tensor<8x32xf32> {ds.name = "transformer.h.0.mlp.c_proj.weight", ds.trainable}, %arg13: tensor<8xf32> {ds.name = "transformer.h.0.mlp.c_proj.bias", ds.trainable}, %arg14: tensor<8xf32> {ds.name = "transformer.ln_f.weight", ds.trainable}, %arg15: tensor<8xf32> {ds.name = "transformer.ln_f.bias", ds.trainable}, %arg16: tensor<2x4xi64> {ds.input, ds.name = "tokens"}, %arg17: tensor<2x4xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
    %0 = ds.constant dense<[0, 1, 2, 3]> : tensor<4xi64>
    %1 = ds.embedding %arg0, %arg16 : (tensor<16x8xf32>, tensor<2x4xi64>) -> tensor<2x4x8xf32>
    %2 = ds.embedding %arg1, %0 : (tensor<8x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
    %3 = ds.add %1, %2 : (tensor<2x4x8xf32>, tensor<4x8xf32>) -> tensor<2x4x8xf32>
    %4 = ds.layer_norm %3 weight %arg2 bias %arg3 epsilon = 1.000000e-05 : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
    %5 = ds.linear %4, %arg4 bias %arg5 : (tensor<2x4x8xf32>, tensor<24x8xf32>, tensor<24xf32>) -> tensor<2x4x24xf32>
    %6:3 = ds.split %5 dim = 2 sizes = [8, 8, 8] : (tensor<2x4x24xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>)
    %7 = ds.reshape %6#0 : (tensor<2x4x8xf32>) -> tensor<2x4x2x4xf32>
    %8 = ds.transpose %7 permutation = [0, 2, 1, 3] : (tensor<2x4x2x4xf32>) -> tensor<2x2x4x4xf32>
    %9 = ds.reshape %6#1 : (tensor<2x4x8xf32>) -> tensor<2x4x2x4xf32>
    %10 = ds.transpose %9 permutation = [0, 2, 1, 3] : (tensor<2x4x2x4xf32>) -> tensor<2x2x4x4xf32>
    %11 = ds.reshape %6#2 : (tensor<2x4x8xf32>) -> tensor<2x4x2x4xf32>
    %12 = ds.transpose %11 permutation = [0, 2, 1, 3] : (tensor<2x4x2x4xf32>) -> tensor<2x2x4x4xf32>
    %13 = ds.attention %8, %10, %12 causal scale = 5.000000e-01 : (tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x2x4x4xf32>
    %14 = ds.transpose %13 permutation = [0, 2, 1, 3] : (tensor<2x2x4x4xf32>) -> tensor<2x4x2x4xf32>
    %15 = ds.reshape %14 : (tensor<2x4x2x4xf32>) -> tensor<2x4x8xf32>
    %16 = ds.linear %15, %arg6 bias %arg7 : (tensor<2x4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
    %17 = ds.add %3, %16 : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %18 = ds.layer_norm %17 weight %arg8 bias %arg9 epsilon = 1.000000e-05 : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
    %19 = ds.linear %18, %arg10 bias %arg11 : (tensor<2x4x8xf32>, tensor<32x8xf32>, tensor<32xf32>) -> tensor<2x4x32xf32>
    %20 = ds.gelu %19 approximate =  tanh : tensor<2x4x32xf32>
    %21 = ds.linear %20, %arg12 bias %arg13 : (tensor<2x4x32xf32>, tensor<8x32xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
    %22 = ds.add %17, %21 : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %23 = ds.layer_norm %22 weight %arg14 bias %arg15 epsilon = 1.000000e-05 : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
    %24 = ds.linear %23, %arg0 : (tensor<2x4x8xf32>, tensor<16x8xf32>) -> tensor<2x4x16xf32>
    %25 = ds.reshape %24 : (tensor<2x4x16xf32>) -> tensor<8x16xf32>
    %26 = ds.reshape %arg17 : (tensor<2x4xi64>) -> tensor<8xi64>
    %27 = ds.cross_entropy %25, %26 ignore_index = -100 : (tensor<8x16xf32>, tensor<8xi64>) -> tensor<f32>
    return %27 : tensor<f32>
  }
}
