module {
  func.func @step() attributes {dsrt.arena_alignment = 64 : i64, dsrt.arena_bytes = 7232 : i64} {
    %0 = dsrt.persistent parameter "transformer.wte.weight" : memref<16x8xf32>
    %1 = dsrt.persistent parameter "transformer.wpe.weight" : memref<8x8xf32>
    %2 = dsrt.persistent parameter "transformer.h.0.ln_1.weight" : memref<8xf32>
    %3 = dsrt.persistent parameter "transformer.h.0.ln_1.bias" : memref<8xf32>
    %4 = dsrt.persistent parameter "transformer.h.0.attn.c_attn.weight" : memref<24x8xf32>
    %5 = dsrt.persistent parameter "transformer.h.0.attn.c_attn.bias" : memref<24xf32>
    %6 = dsrt.persistent parameter "transformer.h.0.attn.c_proj.weight" : memref<8x8xf32>
    %7 = dsrt.persistent parameter "transformer.h.0.attn.c_proj.bias" : memref<8xf32>
    %8 = dsrt.persistent parameter "transformer.h.0.ln_2.weight" : memref<8xf32>
    %9 = dsrt.persistent parameter "transformer.h.0.ln_2.bias" : memref<8xf32>
    %10 = dsrt.persistent parameter "transformer.h.0.mlp.c_fc.weight" : memref<32x8xf32>
    %11 = dsrt.persistent parameter "transformer.h.0.mlp.c_fc.bias" : memref<32xf32>
    %12 = dsrt.persistent parameter "transformer.h.0.mlp.c_proj.weight" : memref<8x32xf32>
    %13 = dsrt.persistent parameter "transformer.h.0.mlp.c_proj.bias" : memref<8xf32>
    %14 = dsrt.persistent parameter "transformer.ln_f.weight" : memref<8xf32>
    %15 = dsrt.persistent parameter "transformer.ln_f.bias" : memref<8xf32>
    %16 = dsrt.persistent state "exp_avg.transformer.wte.weight" : memref<16x8xf32>
    %17 = dsrt.persistent state "exp_avg_sq.transformer.wte.weight" : memref<16x8xf32>
    %18 = dsrt.persistent state "exp_avg.transformer.wpe.weight" : memref<8x8xf32>
    %19 = dsrt.persistent state "exp_avg_sq.transformer.wpe.weight" : memref<8x8xf32>
    %20 = dsrt.persistent state "exp_avg.transformer.h.0.ln_1.weight" : memref<8xf32>
    %21 = dsrt.persistent state "exp_avg_sq.transformer.h.0.ln_1.weight" : memref<8xf32>
    %22 = dsrt.persistent state "exp_avg.transformer.h.0.ln_1.bias" : memref<8xf32>
    %23 = dsrt.persistent state "exp_avg_sq.transformer.h.0.ln_1.bias" : memref<8xf32>
    %24 = dsrt.persistent state "exp_avg.transformer.h.0.attn.c_attn.weight" : memref<24x8xf32>
    %25 = dsrt.persistent state "exp_avg_sq.transformer.h.0.attn.c_attn.weight" : memref<24x8xf32>
    %26 = dsrt.persistent state "exp_avg.transformer.h.0.attn.c_attn.bias" : memref<24xf32>
    %27 = dsrt.persistent state "exp_avg_sq.transformer.h.0.attn.c_attn.bias" : memref<24xf32>
    %28 = dsrt.persistent state "exp_avg.transformer.h.0.attn.c_proj.weight" : memref<8x8xf32>
    %29 = dsrt.persistent state "exp_avg_sq.transformer.h.0.attn.c_proj.weight" : memref<8x8xf32>
    %30 = dsrt.persistent state "exp_avg.transformer.h.0.attn.c_proj.bias" : memref<8xf32>
    %31 = dsrt.persistent state "exp_avg_sq.transformer.h.0.attn.c_proj.bias" : memref<8xf32>
    %32 = dsrt.persistent state "exp_avg.transformer.h.0.ln_2.weight" : memref<8xf32>
    %33 = dsrt.persistent state "exp_avg_sq.transformer.h.0.ln_2.weight" : memref<8xf32>
    %34 = dsrt.persistent state "exp_avg.transformer.h.0.ln_2.bias" : memref<8xf32>
    %35 = dsrt.persistent state "exp_avg_sq.transformer.h.0.ln_2.bias" : memref<8xf32>
    %36 = dsrt.persistent state "exp_avg.transformer.h.0.mlp.c_fc.weight" : memref<32x8xf32>
    %37 = dsrt.persistent state "exp_avg_sq.transformer.h.0.mlp.c_fc.weight" : memref<32x8xf32>
    %38 = dsrt.persistent state "exp_avg.transformer.h.0.mlp.c_fc.bias" : memref<32xf32>
    %39 = dsrt.persistent state "exp_avg_sq.transformer.h.0.mlp.c_fc.bias" : memref<32xf32>
    %40 = dsrt.persistent state "exp_avg.transformer.h.0.mlp.c_proj.weight" : memref<8x32xf32>
    %41 = dsrt.persistent state "exp_avg_sq.transformer.h.0.mlp.c_proj.weight" : memref<8x32xf32>
    %42 = dsrt.persistent state "exp_avg.transformer.h.0.mlp.c_proj.bias" : memref<8xf32>
    %43 = dsrt.persistent state "exp_avg_sq.transformer.h.0.mlp.c_proj.bias" : memref<8xf32>
    %44 = dsrt.persistent state "exp_avg.transformer.ln_f.weight" : memref<8xf32>
    %45 = dsrt.persistent state "exp_avg_sq.transformer.ln_f.weight" : memref<8xf32>
    %46 = dsrt.persistent state "exp_avg.transformer.ln_f.bias" : memref<8xf32>
    %47 = dsrt.persistent state "exp_avg_sq.transformer.ln_f.bias" : memref<8xf32>
    %48 = dsrt.persistent state "step" : memref<i64>
    %49 = dsrt.persistent input "tokens" valid_range [0, 16] : memref<2x4xi64>
    %50 = dsrt.persistent input "labels" valid_range [0, 16, -100] : memref<2x4xi64>
    %51 = dsrt.constant dense<1> : tensor<i64> : memref<i64>
    dsrt.kernel "add"(%48, %51) -> (%48) attrs {} phase optimizer {bytes = 2.400000e+01 : f64, flops = 1.000000e+00 : f64} : (memref<i64>, memref<i64>) -> (memref<i64>)
    %52 = dsrt.constant dense<1.000000e+00> : tensor<f32> : memref<f32>
    %53 = dsrt.constant dense<[0, 1, 2, 3]> : tensor<4xi64> : memref<4xi64>
    %54 = dsrt.arena_buffer offset = 0 : memref<2x4x8xf32>
    dsrt.kernel "embedding"(%0, %49) -> (%54) attrs {} phase forward {bytes = 5.760000e+02 : f64, flops = 0.000000e+00 : f64} : (memref<16x8xf32>, memref<2x4xi64>) -> (memref<2x4x8xf32>)
    %55 = dsrt.arena_buffer offset = 256 : memref<4x8xf32>
    dsrt.kernel "embedding"(%1, %53) -> (%55) attrs {} phase forward {bytes = 2.880000e+02 : f64, flops = 0.000000e+00 : f64} : (memref<8x8xf32>, memref<4xi64>) -> (memref<4x8xf32>)
    %56 = dsrt.arena_buffer offset = 4608 : memref<2x4x8xf32>
    dsrt.kernel "add"(%54, %55) -> (%56) attrs {} phase forward {bytes = 6.400000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<4x8xf32>) -> (memref<2x4x8xf32>)
    %57 = dsrt.arena_buffer offset = 4864 : memref<2x4x8xf32>
    dsrt.kernel "layer_norm"(%56, %2, %3) -> (%57) attrs {epsilon = 1.000000e-05 : f64, has_bias = 1 : i64, has_weight = 1 : i64} phase forward {bytes = 5.760000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<8xf32>, memref<8xf32>) -> (memref<2x4x8xf32>)
    %58 = dsrt.arena_buffer offset = 0 : memref<2x4x24xf32>
    dsrt.kernel "linear"(%57, %4, %5) -> (%58) attrs {} phase forward {bytes = 1.888000e+03 : f64, flops = 3.264000e+03 : f64, matrix_units} : (memref<2x4x8xf32>, memref<24x8xf32>, memref<24xf32>) -> (memref<2x4x24xf32>)
    %59 = dsrt.arena_buffer offset = 768 : memref<2x4x8xf32>
    %60 = dsrt.arena_buffer offset = 1024 : memref<2x4x8xf32>
    %61 = dsrt.arena_buffer offset = 1280 : memref<2x4x8xf32>
    dsrt.kernel "split"(%58) -> (%59, %60, %61) attrs {dim = 2 : i64, sizes = array<i64: 8, 8, 8>} phase forward {bytes = 1.536000e+03 : f64, flops = 1.920000e+02 : f64} : (memref<2x4x24xf32>) -> (memref<2x4x8xf32>, memref<2x4x8xf32>, memref<2x4x8xf32>)
    %62 = dsrt.arena_buffer offset = 768 : memref<2x4x2x4xf32>
    %63 = dsrt.arena_buffer offset = 5120 : memref<2x2x4x4xf32>
    dsrt.kernel "transpose"(%62) -> (%63) attrs {permutation = array<i64: 0, 2, 1, 3>} phase forward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x2x4xf32>) -> (memref<2x2x4x4xf32>)
    %64 = dsrt.arena_buffer offset = 1024 : memref<2x4x2x4xf32>
    %65 = dsrt.arena_buffer offset = 5376 : memref<2x2x4x4xf32>
    dsrt.kernel "transpose"(%64) -> (%65) attrs {permutation = array<i64: 0, 2, 1, 3>} phase forward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x2x4xf32>) -> (memref<2x2x4x4xf32>)
    %66 = dsrt.arena_buffer offset = 1280 : memref<2x4x2x4xf32>
    %67 = dsrt.arena_buffer offset = 5632 : memref<2x2x4x4xf32>
    dsrt.kernel "transpose"(%66) -> (%67) attrs {permutation = array<i64: 0, 2, 1, 3>} phase forward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x2x4xf32>) -> (memref<2x2x4x4xf32>)
    %68 = dsrt.arena_buffer offset = 5888 : memref<2x2x4x4xf32>
    dsrt.kernel "attention"(%63, %65, %67) -> (%68) attrs {causal, scale = 5.000000e-01 : f64} phase forward {bytes = 1.024000e+03 : f64, flops = 1.024000e+03 : f64, matrix_units} : (memref<2x2x4x4xf32>, memref<2x2x4x4xf32>, memref<2x2x4x4xf32>) -> (memref<2x2x4x4xf32>)
    %69 = dsrt.arena_buffer offset = 6144 : memref<2x4x2x4xf32>
    dsrt.kernel "transpose"(%68) -> (%69) attrs {permutation = array<i64: 0, 2, 1, 3>} phase forward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x2x4x4xf32>) -> (memref<2x4x2x4xf32>)
    %70 = dsrt.arena_buffer offset = 6144 : memref<2x4x8xf32>
    %71 = dsrt.arena_buffer offset = 0 : memref<2x4x8xf32>
    dsrt.kernel "linear"(%70, %6, %7) -> (%71) attrs {} phase forward {bytes = 8.000000e+02 : f64, flops = 1.088000e+03 : f64, matrix_units} : (memref<2x4x8xf32>, memref<8x8xf32>, memref<8xf32>) -> (memref<2x4x8xf32>)
    %72 = dsrt.arena_buffer offset = 6400 : memref<2x4x8xf32>
    dsrt.kernel "add"(%56, %71) -> (%72) attrs {} phase forward {bytes = 7.680000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>)
    %73 = dsrt.arena_buffer offset = 6656 : memref<2x4x8xf32>
    dsrt.kernel "layer_norm"(%72, %8, %9) -> (%73) attrs {epsilon = 1.000000e-05 : f64, has_bias = 1 : i64, has_weight = 1 : i64} phase forward {bytes = 5.760000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<8xf32>, memref<8xf32>) -> (memref<2x4x8xf32>)
    %74 = dsrt.arena_buffer offset = 0 : memref<2x4x32xf32>
    dsrt.kernel "linear"(%73, %10, %11) -> (%74) attrs {} phase forward {bytes = 2.432000e+03 : f64, flops = 4.352000e+03 : f64, matrix_units} : (memref<2x4x8xf32>, memref<32x8xf32>, memref<32xf32>) -> (memref<2x4x32xf32>)
    %75 = dsrt.arena_buffer offset = 1024 : memref<2x4x32xf32>
    dsrt.kernel "gelu"(%74) -> (%75) attrs {approximate = "tanh"} phase forward {bytes = 2.048000e+03 : f64, flops = 2.560000e+02 : f64} : (memref<2x4x32xf32>) -> (memref<2x4x32xf32>)
    %76 = dsrt.arena_buffer offset = 2048 : memref<2x4x8xf32>
    dsrt.kernel "linear"(%75, %12, %13) -> (%76) attrs {} phase forward {bytes = 2.336000e+03 : f64, flops = 4.160000e+03 : f64, matrix_units} : (memref<2x4x32xf32>, memref<8x32xf32>, memref<8xf32>) -> (memref<2x4x8xf32>)
    %77 = dsrt.arena_buffer offset = 3072 : memref<2x4x8xf32>
    dsrt.kernel "add"(%72, %76) -> (%77) attrs {} phase forward {bytes = 7.680000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>)
    %78 = dsrt.arena_buffer offset = 3328 : memref<2x4x8xf32>
    dsrt.kernel "layer_norm"(%77, %14, %15) -> (%78) attrs {epsilon = 1.000000e-05 : f64, has_bias = 1 : i64, has_weight = 1 : i64} phase forward {bytes = 5.760000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<8xf32>, memref<8xf32>) -> (memref<2x4x8xf32>)
    %79 = dsrt.arena_buffer offset = 2048 : memref<2x4x16xf32>
    dsrt.kernel "linear"(%78, %0) -> (%79) attrs {} phase forward {bytes = 1.280000e+03 : f64, flops = 2.048000e+03 : f64, matrix_units} : (memref<2x4x8xf32>, memref<16x8xf32>) -> (memref<2x4x16xf32>)
    %80 = dsrt.arena_buffer offset = 2048 : memref<8x16xf32>
    %81 = dsrt.arena_buffer offset = 3584 : memref<8xi64>
    dsrt.kernel "reshape"(%50) -> (%81) attrs {} phase forward {bytes = 0.000000e+00 : f64, flops = 0.000000e+00 : f64} : (memref<2x4xi64>) -> (memref<8xi64>)
    %82 = dsrt.arena_buffer offset = 7168 : memref<f32>
    dsrt.kernel "cross_entropy"(%80, %81) -> (%82) attrs {ignore_index = -100 : i64} phase forward {bytes = 5.800000e+02 : f64, flops = 1.280000e+02 : f64} : (memref<8x16xf32>, memref<8xi64>) -> (memref<f32>)
    %83 = dsrt.arena_buffer offset = 2560 : memref<8x16xf32>
    dsrt.kernel "cross_entropy_grad"(%80, %81, %52) -> (%83) attrs {ignore_index = -100 : i64} phase backward {bytes = 1.092000e+03 : f64, flops = 1.280000e+02 : f64} : (memref<8x16xf32>, memref<8xi64>, memref<f32>) -> (memref<8x16xf32>)
    %84 = dsrt.arena_buffer offset = 2560 : memref<2x4x16xf32>
    %85 = dsrt.arena_buffer offset = 2048 : memref<2x4x8xf32>
    dsrt.kernel "matmul"(%84, %0) -> (%85) attrs {} phase backward {bytes = 1.280000e+03 : f64, flops = 2.048000e+03 : f64, matrix_units} : (memref<2x4x16xf32>, memref<16x8xf32>) -> (memref<2x4x8xf32>)
    %86 = dsrt.arena_buffer offset = 3328 : memref<8x8xf32>
    %87 = dsrt.arena_buffer offset = 4096 : memref<16x8xf32>
    dsrt.kernel "matmul"(%83, %86) -> (%87) attrs {transpose_lhs} phase backward {bytes = 1.280000e+03 : f64, flops = 2.048000e+03 : f64, matrix_units} : (memref<8x16xf32>, memref<8x8xf32>) -> (memref<16x8xf32>)
    %88 = dsrt.arena_buffer offset = 6912 : memref<2x4x8xf32>
    %89 = dsrt.arena_buffer offset = 2304 : memref<8xf32>
    %90 = dsrt.arena_buffer offset = 2368 : memref<8xf32>
    dsrt.kernel "layer_norm_grad"(%77, %14, %85) -> (%88, %89, %90) attrs {epsilon = 1.000000e-05 : f64} phase backward {bytes = 8.640000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>, memref<8xf32>, memref<8xf32>)
    dsrt.kernel "adamw_update"(%15, %90, %46, %47, %48) -> (%15, %46, %47) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    dsrt.kernel "adamw_update"(%14, %89, %44, %45, %48) -> (%14, %44, %45) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    %91 = dsrt.arena_buffer offset = 2048 : memref<2x4x32xf32>
    dsrt.kernel "matmul"(%88, %12) -> (%91) attrs {} phase backward {bytes = 2.304000e+03 : f64, flops = 4.096000e+03 : f64, matrix_units} : (memref<2x4x8xf32>, memref<8x32xf32>) -> (memref<2x4x32xf32>)
    %92 = dsrt.arena_buffer offset = 6912 : memref<8x8xf32>
    %93 = dsrt.arena_buffer offset = 1024 : memref<8x32xf32>
    %94 = dsrt.arena_buffer offset = 3072 : memref<8x32xf32>
    dsrt.kernel "matmul"(%92, %93) -> (%94) attrs {transpose_lhs} phase backward {bytes = 2.304000e+03 : f64, flops = 4.096000e+03 : f64, matrix_units} : (memref<8x8xf32>, memref<8x32xf32>) -> (memref<8x32xf32>)
    dsrt.kernel "adamw_update"(%12, %94, %40, %41, %48) -> (%12, %40, %41) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 2.355200e+04 : f64, flops = 3.072000e+03 : f64} : (memref<8x32xf32>, memref<8x32xf32>, memref<8x32xf32>, memref<8x32xf32>, memref<i64>) -> (memref<8x32xf32>, memref<8x32xf32>, memref<8x32xf32>)
    %95 = dsrt.arena_buffer offset = 1024 : memref<8xf32>
    dsrt.kernel "sum"(%88) -> (%95) attrs {dims = array<i64: 0, 1>} phase backward {bytes = 2.880000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>) -> (memref<8xf32>)
    dsrt.kernel "adamw_update"(%13, %95, %42, %43, %48) -> (%13, %42, %43) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    %96 = dsrt.arena_buffer offset = 1024 : memref<2x4x32xf32>
    dsrt.kernel "gelu_grad"(%74, %91) -> (%96) attrs {approximate = "tanh"} phase backward {bytes = 3.072000e+03 : f64, flops = 2.560000e+02 : f64} : (memref<2x4x32xf32>, memref<2x4x32xf32>) -> (memref<2x4x32xf32>)
    %97 = dsrt.arena_buffer offset = 2048 : memref<2x4x8xf32>
    dsrt.kernel "matmul"(%96, %10) -> (%97) attrs {} phase backward {bytes = 2.304000e+03 : f64, flops = 4.096000e+03 : f64, matrix_units} : (memref<2x4x32xf32>, memref<32x8xf32>) -> (memref<2x4x8xf32>)
    %98 = dsrt.arena_buffer offset = 1024 : memref<8x32xf32>
    %99 = dsrt.arena_buffer offset = 6656 : memref<8x8xf32>
    %100 = dsrt.arena_buffer offset = 0 : memref<32x8xf32>
    dsrt.kernel "matmul"(%98, %99) -> (%100) attrs {transpose_lhs} phase backward {bytes = 2.304000e+03 : f64, flops = 4.096000e+03 : f64, matrix_units} : (memref<8x32xf32>, memref<8x8xf32>) -> (memref<32x8xf32>)
    dsrt.kernel "adamw_update"(%10, %100, %36, %37, %48) -> (%10, %36, %37) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 2.355200e+04 : f64, flops = 3.072000e+03 : f64} : (memref<32x8xf32>, memref<32x8xf32>, memref<32x8xf32>, memref<32x8xf32>, memref<i64>) -> (memref<32x8xf32>, memref<32x8xf32>, memref<32x8xf32>)
    %101 = dsrt.arena_buffer offset = 0 : memref<32xf32>
    dsrt.kernel "sum"(%96) -> (%101) attrs {dims = array<i64: 0, 1>} phase backward {bytes = 1.152000e+03 : f64, flops = 2.560000e+02 : f64} : (memref<2x4x32xf32>) -> (memref<32xf32>)
    dsrt.kernel "adamw_update"(%11, %101, %38, %39, %48) -> (%11, %38, %39) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 2.944000e+03 : f64, flops = 3.840000e+02 : f64} : (memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<32xf32>, memref<i64>) -> (memref<32xf32>, memref<32xf32>, memref<32xf32>)
    %102 = dsrt.arena_buffer offset = 0 : memref<2x4x8xf32>
    %103 = dsrt.arena_buffer offset = 256 : memref<8xf32>
    %104 = dsrt.arena_buffer offset = 320 : memref<8xf32>
    dsrt.kernel "layer_norm_grad"(%72, %8, %97) -> (%102, %103, %104) attrs {epsilon = 1.000000e-05 : f64} phase backward {bytes = 8.640000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>, memref<8xf32>, memref<8xf32>)
    dsrt.kernel "adamw_update"(%9, %104, %34, %35, %48) -> (%9, %34, %35) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    dsrt.kernel "adamw_update"(%8, %103, %32, %33, %48) -> (%8, %32, %33) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    %105 = dsrt.arena_buffer offset = 1536 : memref<2x4x8xf32>
    dsrt.kernel "add"(%88, %102) -> (%105) attrs {} phase backward {bytes = 7.680000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>)
    %106 = dsrt.arena_buffer offset = 0 : memref<2x4x8xf32>
    dsrt.kernel "matmul"(%105, %6) -> (%106) attrs {} phase backward {bytes = 7.680000e+02 : f64, flops = 1.024000e+03 : f64, matrix_units} : (memref<2x4x8xf32>, memref<8x8xf32>) -> (memref<2x4x8xf32>)
    %107 = dsrt.arena_buffer offset = 1536 : memref<8x8xf32>
    %108 = dsrt.arena_buffer offset = 6144 : memref<8x8xf32>
    %109 = dsrt.arena_buffer offset = 256 : memref<8x8xf32>
    dsrt.kernel "matmul"(%107, %108) -> (%109) attrs {transpose_lhs} phase backward {bytes = 7.680000e+02 : f64, flops = 1.024000e+03 : f64, matrix_units} : (memref<8x8xf32>, memref<8x8xf32>) -> (memref<8x8xf32>)
    dsrt.kernel "adamw_update"(%6, %109, %28, %29, %48) -> (%6, %28, %29) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 5.888000e+03 : f64, flops = 7.680000e+02 : f64} : (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>, memref<i64>) -> (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>)
    %110 = dsrt.arena_buffer offset = 256 : memref<8xf32>
    dsrt.kernel "sum"(%105) -> (%110) attrs {dims = array<i64: 0, 1>} phase backward {bytes = 2.880000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>) -> (memref<8xf32>)
    dsrt.kernel "adamw_update"(%7, %110, %30, %31, %48) -> (%7, %30, %31) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    %111 = dsrt.arena_buffer offset = 0 : memref<2x4x2x4xf32>
    %112 = dsrt.arena_buffer offset = 256 : memref<2x2x4x4xf32>
    dsrt.kernel "transpose"(%111) -> (%112) attrs {permutation = array<i64: 0, 2, 1, 3>} phase backward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x2x4xf32>) -> (memref<2x2x4x4xf32>)
    %113 = dsrt.arena_buffer offset = 0 : memref<2x2x4x4xf32>
    %114 = dsrt.arena_buffer offset = 512 : memref<2x2x4x4xf32>
    %115 = dsrt.arena_buffer offset = 768 : memref<2x2x4x4xf32>
    dsrt.kernel "attention_grad"(%63, %65, %67, %68, %112) -> (%113, %114, %115) attrs {causal, scale = 5.000000e-01 : f64} phase backward {bytes = 2.048000e+03 : f64, flops = 3.584000e+03 : f64, matrix_units} : (memref<2x2x4x4xf32>, memref<2x2x4x4xf32>, memref<2x2x4x4xf32>, memref<2x2x4x4xf32>, memref<2x2x4x4xf32>) -> (memref<2x2x4x4xf32>, memref<2x2x4x4xf32>, memref<2x2x4x4xf32>)
    %116 = dsrt.arena_buffer offset = 1024 : memref<2x4x2x4xf32>
    dsrt.kernel "transpose"(%115) -> (%116) attrs {permutation = array<i64: 0, 2, 1, 3>} phase backward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x2x4x4xf32>) -> (memref<2x4x2x4xf32>)
    %117 = dsrt.arena_buffer offset = 1024 : memref<2x4x8xf32>
    %118 = dsrt.arena_buffer offset = 768 : memref<2x4x2x4xf32>
    dsrt.kernel "transpose"(%114) -> (%118) attrs {permutation = array<i64: 0, 2, 1, 3>} phase backward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x2x4x4xf32>) -> (memref<2x4x2x4xf32>)
    %119 = dsrt.arena_buffer offset = 768 : memref<2x4x8xf32>
    %120 = dsrt.arena_buffer offset = 1280 : memref<2x4x2x4xf32>
    dsrt.kernel "transpose"(%113) -> (%120) attrs {permutation = array<i64: 0, 2, 1, 3>} phase backward {bytes = 5.120000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x2x4x4xf32>) -> (memref<2x4x2x4xf32>)
    %121 = dsrt.arena_buffer offset = 1280 : memref<2x4x8xf32>
    %122 = dsrt.arena_buffer offset = 0 : memref<2x4x24xf32>
    dsrt.kernel "concat"(%121, %119, %117) -> (%122) attrs {dim = 2 : i64} phase backward {bytes = 1.536000e+03 : f64, flops = 1.920000e+02 : f64} : (memref<2x4x8xf32>, memref<2x4x8xf32>, memref<2x4x8xf32>) -> (memref<2x4x24xf32>)
    %123 = dsrt.arena_buffer offset = 1792 : memref<2x4x8xf32>
    dsrt.kernel "matmul"(%122, %4) -> (%123) attrs {} phase backward {bytes = 1.792000e+03 : f64, flops = 3.072000e+03 : f64, matrix_units} : (memref<2x4x24xf32>, memref<24x8xf32>) -> (memref<2x4x8xf32>)
    %124 = dsrt.arena_buffer offset = 0 : memref<8x24xf32>
    %125 = dsrt.arena_buffer offset = 4864 : memref<8x8xf32>
    %126 = dsrt.arena_buffer offset = 768 : memref<24x8xf32>
    dsrt.kernel "matmul"(%124, %125) -> (%126) attrs {transpose_lhs} phase backward {bytes = 1.792000e+03 : f64, flops = 3.072000e+03 : f64, matrix_units} : (memref<8x24xf32>, memref<8x8xf32>) -> (memref<24x8xf32>)
    dsrt.kernel "adamw_update"(%4, %126, %24, %25, %48) -> (%4, %24, %25) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 1.766400e+04 : f64, flops = 2.304000e+03 : f64} : (memref<24x8xf32>, memref<24x8xf32>, memref<24x8xf32>, memref<24x8xf32>, memref<i64>) -> (memref<24x8xf32>, memref<24x8xf32>, memref<24x8xf32>)
    %127 = dsrt.arena_buffer offset = 768 : memref<24xf32>
    dsrt.kernel "sum"(%122) -> (%127) attrs {dims = array<i64: 0, 1>} phase backward {bytes = 8.640000e+02 : f64, flops = 1.920000e+02 : f64} : (memref<2x4x24xf32>) -> (memref<24xf32>)
    dsrt.kernel "adamw_update"(%5, %127, %26, %27, %48) -> (%5, %26, %27) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 2.208000e+03 : f64, flops = 2.880000e+02 : f64} : (memref<24xf32>, memref<24xf32>, memref<24xf32>, memref<24xf32>, memref<i64>) -> (memref<24xf32>, memref<24xf32>, memref<24xf32>)
    %128 = dsrt.arena_buffer offset = 0 : memref<2x4x8xf32>
    %129 = dsrt.arena_buffer offset = 256 : memref<8xf32>
    %130 = dsrt.arena_buffer offset = 320 : memref<8xf32>
    dsrt.kernel "layer_norm_grad"(%56, %2, %123) -> (%128, %129, %130) attrs {epsilon = 1.000000e-05 : f64} phase backward {bytes = 8.640000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>, memref<8xf32>, memref<8xf32>)
    dsrt.kernel "adamw_update"(%3, %130, %22, %23, %48) -> (%3, %22, %23) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    dsrt.kernel "adamw_update"(%2, %129, %20, %21, %48) -> (%2, %20, %21) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 7.360000e+02 : f64, flops = 9.600000e+01 : f64} : (memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<8xf32>, memref<i64>) -> (memref<8xf32>, memref<8xf32>, memref<8xf32>)
    %131 = dsrt.arena_buffer offset = 512 : memref<2x4x8xf32>
    dsrt.kernel "add"(%105, %128) -> (%131) attrs {} phase backward {bytes = 7.680000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>, memref<2x4x8xf32>) -> (memref<2x4x8xf32>)
    %132 = dsrt.arena_buffer offset = 256 : memref<1x4x8xf32>
    dsrt.kernel "sum"(%131) -> (%132) attrs {dims = array<i64: 0>, keepdim} phase backward {bytes = 3.840000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<2x4x8xf32>) -> (memref<1x4x8xf32>)
    %133 = dsrt.arena_buffer offset = 256 : memref<4x8xf32>
    %134 = dsrt.arena_buffer offset = 0 : memref<8x8xf32>
    dsrt.kernel "embedding_grad"(%53, %133) -> (%134) attrs {} phase backward {bytes = 4.160000e+02 : f64, flops = 6.400000e+01 : f64} : (memref<4xi64>, memref<4x8xf32>) -> (memref<8x8xf32>)
    dsrt.kernel "adamw_update"(%1, %134, %18, %19, %48) -> (%1, %18, %19) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 5.888000e+03 : f64, flops = 7.680000e+02 : f64} : (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>, memref<i64>) -> (memref<8x8xf32>, memref<8x8xf32>, memref<8x8xf32>)
    %135 = dsrt.arena_buffer offset = 0 : memref<16x8xf32>
    dsrt.kernel "embedding_grad"(%49, %131) -> (%135) attrs {} phase backward {bytes = 8.320000e+02 : f64, flops = 1.280000e+02 : f64} : (memref<2x4xi64>, memref<2x4x8xf32>) -> (memref<16x8xf32>)
    %136 = dsrt.arena_buffer offset = 512 : memref<16x8xf32>
    dsrt.kernel "add"(%87, %135) -> (%136) attrs {} phase backward {bytes = 1.536000e+03 : f64, flops = 1.280000e+02 : f64} : (memref<16x8xf32>, memref<16x8xf32>) -> (memref<16x8xf32>)
    dsrt.kernel "adamw_update"(%0, %136, %16, %17, %48) -> (%0, %16, %17) attrs {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, eps = 1.000000e-08 : f64, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} phase optimizer {bytes = 1.177600e+04 : f64, flops = 1.536000e+03 : f64} : (memref<16x8xf32>, memref<16x8xf32>, memref<16x8xf32>, memref<16x8xf32>, memref<i64>) -> (memref<16x8xf32>, memref<16x8xf32>, memref<16x8xf32>)
    dsrt.loss %82 : memref<f32>
    dsrt.gradient %0, %136 : memref<16x8xf32>, memref<16x8xf32>
    dsrt.gradient %1, %134 : memref<8x8xf32>, memref<8x8xf32>
    dsrt.gradient %2, %129 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %3, %130 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %4, %126 : memref<24x8xf32>, memref<24x8xf32>
    dsrt.gradient %5, %127 : memref<24xf32>, memref<24xf32>
    dsrt.gradient %6, %109 : memref<8x8xf32>, memref<8x8xf32>
    dsrt.gradient %7, %110 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %8, %103 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %9, %104 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %10, %100 : memref<32x8xf32>, memref<32x8xf32>
    dsrt.gradient %11, %101 : memref<32xf32>, memref<32xf32>
    dsrt.gradient %12, %94 : memref<8x32xf32>, memref<8x32xf32>
    dsrt.gradient %13, %95 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %14, %89 : memref<8xf32>, memref<8xf32>
    dsrt.gradient %15, %90 : memref<8xf32>, memref<8xf32>
    return
  }
}

