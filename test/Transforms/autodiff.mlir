// RUN: ds-opt %s -split-input-file -ds-autodiff -verify-diagnostics | FileCheck %s
// RUN: ds-opt %s -split-input-file -verify-diagnostics \
// RUN:   -ds-autodiff="optimizer=sgd lr=0.1 momentum=0.9" | FileCheck %s --check-prefix=SGD
// RUN: ds-opt %s -split-input-file -verify-diagnostics \
// RUN:   -ds-autodiff="optimizer=sgd weight-decay=0.1" | FileCheck %s --check-prefix=PLAIN
// RUN: ds-opt %s -split-input-file -verify-diagnostics \
// RUN:   -ds-autodiff="fused=true" | FileCheck %s --check-prefix=FUSED
// RUN: ds-opt %s -split-input-file -verify-diagnostics \
// RUN:   -ds-autodiff="optimizer=sgd momentum=0.9 fused=true" \
// RUN:   | FileCheck %s --check-prefix=FUSED-SGD
// RUN: ds-opt %s -split-input-file -verify-diagnostics \
// RUN:   -ds-autodiff="max-grad-norm=0.5" | FileCheck %s --check-prefix=CLIP
// RUN: not ds-opt %s -split-input-file -ds-autodiff=max-grad-norm=-1 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADCLIP
// BADCLIP: error: invalid maximum gradient norm -1.000000e+00: it must be positive (or 0: no clipping)
// RUN: not ds-opt %s -split-input-file -ds-autodiff=optimizer=rmsprop 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADOPT

// BADOPT: error: unknown optimizer 'rmsprop'; expected 'adamw' or 'sgd'

// Hyperparameters torch.optim would refuse, and non-finite ones (a NaN
// weight decay once fell back to the default without a word).
// RUN: not ds-opt %s -split-input-file -ds-autodiff=lr=nan 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NANLR
// NANLR: error: invalid learning rate nan: it must be finite
// RUN: not ds-opt %s -split-input-file -ds-autodiff=weight-decay=nan 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NANWD
// NANWD: error: invalid weight decay nan: it must be finite
// RUN: not ds-opt %s -split-input-file -ds-autodiff=beta2=1.0 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BETA
// BETA: error: invalid beta2 1

// A linear layer and cross-entropy. `scale` is a frozen parameter, so the
// input-side product needs no gradient; the linear layer's VJP gives the
// weight gradient as one product over all positions and the bias gradient
// as a sum over the leading dimensions.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[a-z0-9]+]]: tensor<8x4xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[B:[a-z0-9]+]]: tensor<8xf32> {ds.name = "b", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[SCALE:[a-z0-9]+]]: tensor<4xf32> {ds.name = "scale", ds.role = "parameter"},
// CHECK-SAME:      %[[MW:[a-z0-9]+]]: tensor<8x4xf32> {ds.name = "exp_avg.w", ds.role = "state"},
// CHECK-SAME:      %[[VW:[a-z0-9]+]]: tensor<8x4xf32> {ds.name = "exp_avg_sq.w", ds.role = "state"},
// CHECK-SAME:      %[[MB:[a-z0-9]+]]: tensor<8xf32> {ds.name = "exp_avg.b", ds.role = "state"},
// CHECK-SAME:      %[[VB:[a-z0-9]+]]: tensor<8xf32> {ds.name = "exp_avg_sq.b", ds.role = "state"},
// CHECK-SAME:      %[[STEP:[a-z0-9]+]]: tensor<i64> {ds.name = "step", ds.role = "state"},
// CHECK-SAME:      %[[X:[a-z0-9]+]]: tensor<2x3x4xf32> {ds.name = "x", ds.role = "input"},
// CHECK-SAME:      %[[Y:[a-z0-9]+]]: tensor<2x3xi64> {ds.name = "y", ds.role = "input"})
// CHECK-SAME:      -> (tensor<f32> {ds.role = "loss"},
// CHECK-SAME:          tensor<8x4xf32> {ds.updates = "w"}, tensor<8xf32> {ds.updates = "b"},
// CHECK-SAME:          tensor<8x4xf32> {ds.updates = "exp_avg.w"}, tensor<8x4xf32> {ds.updates = "exp_avg_sq.w"},
// CHECK-SAME:          tensor<8xf32> {ds.updates = "exp_avg.b"}, tensor<8xf32> {ds.updates = "exp_avg_sq.b"},
// CHECK-SAME:          tensor<i64> {ds.updates = "step"})
// CHECK:         %[[S:.*]] = ds.mul %[[X]], %[[SCALE]]
// CHECK:         %[[LOGITS:.*]] = ds.reshape
// CHECK:         %[[LABELS:.*]] = ds.reshape %[[Y]]
// CHECK:         %[[LOSS:.*]] = ds.cross_entropy %[[LOGITS]], %[[LABELS]]
// CHECK:         %[[ONE:.*]] = ds.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[DLOGITS:.*]] = ds.cross_entropy_grad %[[LOGITS]], %[[LABELS]], %[[ONE]] ignore_index = -100
// CHECK:         %[[DH:.*]] = ds.reshape %[[DLOGITS]] : (tensor<6x8xf32>) -> tensor<2x3x8xf32>
// CHECK-NOT:     ds.matmul %[[DH]]
// CHECK:         %[[DHROWS:.*]] = ds.reshape %[[DH]] : (tensor<2x3x8xf32>) -> tensor<6x8xf32>
// CHECK:         %[[SROWS:.*]] = ds.reshape %[[S]] : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK:         %[[DW:.*]] = ds.matmul %[[DHROWS]], %[[SROWS]] transpose_lhs : (tensor<6x8xf32>, tensor<6x4xf32>) -> tensor<8x4xf32>
// CHECK:         %[[DB:.*]] = ds.sum %[[DH]] dims = [0, 1] : (tensor<2x3x8xf32>) -> tensor<8xf32>
// CHECK:         %[[INC:.*]] = ds.constant dense<1> : tensor<i64>
// CHECK:         %[[T:.*]] = ds.add %[[STEP]], %[[INC]] : (tensor<i64>, tensor<i64>) -> tensor<i64>
// CHECK:         %[[NW:[^ ,]+]], %[[NMW:[^ ,]+]], %[[NVW:[^ ,]+]] = ds.adamw_update %[[W]], %[[DW]], %[[MW]], %[[VW]], %[[T]]
// CHECK-SAME:        lr = 1.000000e-03 beta1 = 9.000000e-01 beta2 = 0.99899999999999999 eps = 1.000000e-08 weight_decay = 1.000000e-02
// CHECK:         %[[NB:[^ ,]+]], %[[NMB:[^ ,]+]], %[[NVB:[^ ,]+]] = ds.adamw_update %[[B]], %[[DB]], %[[MB]], %[[VB]], %[[T]]
// CHECK-NOT:     ds.adamw_update
// CHECK:         return %[[LOSS]], %[[NW]], %[[NB]], %[[NMW]], %[[NVW]], %[[NMB]], %[[NVB]], %[[T]] :
// CHECK-NOT:     @forward

// With fused=true every update is marked for the fused kernel: none in
// any of the splits ends its attributes without `fused`.
// FUSED-NOT:     weight_decay = {{[-+.e0-9]+}} :
// FUSED:         ds.adamw_update {{.*}} weight_decay = 1.000000e-02 fused :
// FUSED-NOT:     weight_decay = {{[-+.e0-9]+}} :
// FUSED-SGD-NOT: weight_decay = {{[-+.e0-9]+}} :
// FUSED-SGD:     ds.sgd_update {{.*}} weight_decay = 0.000000e+00 fused :
// FUSED-SGD-NOT: weight_decay = {{[-+.e0-9]+}} :

// With max-grad-norm, clip_grad_norm_'s arithmetic: each gradient's norm,
// the norm of the norms, 0.5 / (total + 1e-6) clamped at 1 (as -max(-c, -1)),
// and the updates read the gradients times it.
// CLIP-LABEL: func.func @train_step(
// CLIP:         %[[DW:.*]] = ds.matmul
// CLIP:         %[[DB:.*]] = ds.sum %{{.*}} dims = [0, 1]
// CLIP:         %[[SQW:.*]] = ds.mul %[[DW]], %[[DW]]
// CLIP:         %[[SSW:.*]] = ds.sum %[[SQW]] dims = [0, 1] : (tensor<8x4xf32>) -> tensor<f32>
// CLIP:         %[[NW:.*]] = ds.sqrt %[[SSW]]
// CLIP:         %[[NW2:.*]] = ds.mul %[[NW]], %[[NW]]
// CLIP:         %[[SQB:.*]] = ds.mul %[[DB]], %[[DB]]
// CLIP:         %[[SSB:.*]] = ds.sum %[[SQB]] dims = [0] : (tensor<8xf32>) -> tensor<f32>
// CLIP:         %[[NB:.*]] = ds.sqrt %[[SSB]]
// CLIP:         %[[NB2:.*]] = ds.mul %[[NB]], %[[NB]]
// CLIP:         %[[SS:.*]] = ds.add %[[NW2]], %[[NB2]]
// CLIP:         %[[TOTAL:.*]] = ds.sqrt %[[SS]]
// CLIP:         %[[EPS:.*]] = ds.constant dense<9.99999997E-7> : tensor<f32>
// CLIP:         %[[DEN:.*]] = ds.add %[[TOTAL]], %[[EPS]]
// CLIP:         %[[MAX:.*]] = ds.constant dense<5.000000e-01> : tensor<f32>
// CLIP:         %[[COEF:.*]] = ds.div %[[MAX]], %[[DEN]]
// CLIP:         %[[NEG:.*]] = ds.neg %[[COEF]]
// CLIP:         %[[M1:.*]] = ds.constant dense<-1.000000e+00> : tensor<f32>
// CLIP:         %[[MAXED:.*]] = ds.maximum %[[NEG]], %[[M1]]
// CLIP:         %[[CLAMPED:.*]] = ds.neg %[[MAXED]]
// CLIP:         %[[CW:.*]] = ds.mul %[[DW]], %[[CLAMPED]] : (tensor<8x4xf32>, tensor<f32>) -> tensor<8x4xf32>
// CLIP:         %[[CB:.*]] = ds.mul %[[DB]], %[[CLAMPED]] : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
// CLIP:         ds.adamw_update %{{.*}}, %[[CW]],
// CLIP:         ds.adamw_update %{{.*}}, %[[CB]],

// SGD-LABEL: func.func @train_step(
// SGD-SAME:      %[[W:[a-z0-9]+]]: tensor<8x4xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
// SGD-SAME:      %[[B:[a-z0-9]+]]: tensor<8xf32> {ds.name = "b", ds.role = "parameter", ds.trainable},
// SGD-SAME:      %{{.*}}: tensor<4xf32> {ds.name = "scale", ds.role = "parameter"},
// SGD-SAME:      %[[BUFW:[a-z0-9]+]]: tensor<8x4xf32> {ds.name = "momentum_buffer.w", ds.role = "state"},
// SGD-SAME:      %[[BUFB:[a-z0-9]+]]: tensor<8xf32> {ds.name = "momentum_buffer.b", ds.role = "state"},
// SGD-SAME:      %{{.*}}: tensor<2x3x4xf32> {ds.name = "x", ds.role = "input"},
// SGD-SAME:      %{{.*}}: tensor<2x3xi64> {ds.name = "y", ds.role = "input"})
// SGD-SAME:      -> (tensor<f32> {ds.role = "loss"},
// SGD-SAME:          tensor<8x4xf32> {ds.updates = "w"}, tensor<8xf32> {ds.updates = "b"},
// SGD-SAME:          tensor<8x4xf32> {ds.updates = "momentum_buffer.w"}, tensor<8xf32> {ds.updates = "momentum_buffer.b"})
// SGD-NOT:       ds.add
// SGD:           %[[NW:[^ ,]+]], %[[NBUFW:[^ ,]+]] = ds.sgd_update %[[W]], %{{.*}}, %[[BUFW]] lr = 1.000000e-01 momentum = 9.000000e-01 weight_decay = 0.000000e+00
// SGD:           %[[NB:[^ ,]+]], %[[NBUFB:[^ ,]+]] = ds.sgd_update %[[B]], %{{.*}}, %[[BUFB]] lr = 1.000000e-01 momentum = 9.000000e-01 weight_decay = 0.000000e+00
// SGD:           return %{{.*}}, %[[NW]], %[[NB]], %[[NBUFW]], %[[NBUFB]] :

// Without momentum SGD keeps no state: the update takes a zero buffer and
// the new buffer is not returned.

// PLAIN-LABEL: func.func @train_step(
// PLAIN-SAME:      %[[W:[a-z0-9]+]]: tensor<8x4xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
// PLAIN-SAME:      %[[B:[a-z0-9]+]]: tensor<8xf32> {ds.name = "b", ds.role = "parameter", ds.trainable},
// PLAIN-SAME:      %{{.*}}: tensor<4xf32> {ds.name = "scale", ds.role = "parameter"},
// PLAIN-SAME:      %{{.*}}: tensor<2x3x4xf32> {ds.name = "x", ds.role = "input"},
// PLAIN-SAME:      -> (tensor<f32> {ds.role = "loss"}, tensor<8x4xf32> {ds.updates = "w"}, tensor<8xf32> {ds.updates = "b"})
// PLAIN:         %[[ZW:.*]] = ds.constant dense<0.000000e+00> : tensor<8x4xf32>
// PLAIN:         %[[NW:[^ ,]+]], %{{.*}} = ds.sgd_update %[[W]], %{{.*}}, %[[ZW]] lr = 1.000000e-03 momentum = 0.000000e+00 weight_decay = 1.000000e-01
// PLAIN:         %[[ZB:.*]] = ds.constant dense<0.000000e+00> : tensor<8xf32>
// PLAIN:         %[[NB:[^ ,]+]], %{{.*}} = ds.sgd_update %[[B]], %{{.*}}, %[[ZB]]
// PLAIN:         return %{{.*}}, %[[NW]], %[[NB]] : tensor<f32>, tensor<8x4xf32>, tensor<8xf32>
func.func @forward(%w: tensor<8x4xf32> {ds.name = "w", ds.trainable},
                   %b: tensor<8xf32> {ds.name = "b", ds.trainable},
                   %scale: tensor<4xf32> {ds.name = "scale"},
                   %x: tensor<2x3x4xf32> {ds.input, ds.name = "x"},
                   %y: tensor<2x3xi64> {ds.input, ds.name = "y"}) -> tensor<f32> {
  %s = ds.mul %x, %scale : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %h = ds.linear %s, %w bias %b : (tensor<2x3x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  %logits = ds.reshape %h : (tensor<2x3x8xf32>) -> tensor<6x8xf32>
  %labels = ds.reshape %y : (tensor<2x3xi64>) -> tensor<6xi64>
  %loss = ds.cross_entropy %logits, %labels ignore_index = -100 : (tensor<6x8xf32>, tensor<6xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A tied embedding: the table's gradients from the output projection and
// from the lookup are summed.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[WTE:[a-z0-9]+]]: tensor<16x4xf32> {ds.name = "wte", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[TOKENS:[a-z0-9]+]]: tensor<2x3xi64> {ds.name = "tokens", ds.role = "input"},
// CHECK:         %[[E:.*]] = ds.embedding %[[WTE]], %[[TOKENS]]
// CHECK:         %[[DLOGITS:.*]] = ds.cross_entropy_grad
// CHECK:         %[[DH:.*]] = ds.reshape %[[DLOGITS]]
// CHECK:         %[[DE:.*]] = ds.matmul %[[DH]], %[[WTE]] : (tensor<2x3x16xf32>, tensor<16x4xf32>) -> tensor<2x3x4xf32>
// CHECK:         %[[DWPROJ:.*]] = ds.matmul %{{.*}}, %{{.*}} transpose_lhs : (tensor<6x16xf32>, tensor<6x4xf32>) -> tensor<16x4xf32>
// CHECK:         %[[DWEMB:.*]] = ds.embedding_grad %[[TOKENS]], %[[DE]] padding_idx = 1 : (tensor<2x3xi64>, tensor<2x3x4xf32>) -> tensor<16x4xf32>
// CHECK:         %[[DW:.*]] = ds.add %[[DWPROJ]], %[[DWEMB]]
// CHECK:         ds.adamw_update %[[WTE]], %[[DW]],
func.func @forward(%wte: tensor<16x4xf32> {ds.name = "wte", ds.trainable},
                   %tokens: tensor<2x3xi64> {ds.input, ds.name = "tokens"},
                   %labels: tensor<6xi64> {ds.input, ds.name = "labels"}) -> tensor<f32> {
  %e = ds.embedding %wte, %tokens padding_idx = 1 : (tensor<16x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %h = ds.linear %e, %wte : (tensor<2x3x4xf32>, tensor<16x4xf32>) -> tensor<2x3x16xf32>
  %logits = ds.reshape %h : (tensor<2x3x16xf32>) -> tensor<6x16xf32>
  %loss = ds.cross_entropy %logits, %labels ignore_index = -100 : (tensor<6x16xf32>, tensor<6xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A value cast to bfloat16 once (after CSE) and read by two matmuls, as
// autocast casts the input of each: the two bfloat16 gradients are each
// converted back and summed in float32, as PyTorch sums the gradients of
// autocast's two casts; the widening cast's gradient is rounded once.

// CHECK-LABEL: func.func @train_step(
// CHECK:         %[[DU:.*]] = ds.matmul %{{.*}}, %{{.*}} : (tensor<2x3x8xbf16>, tensor<8x4xbf16>) -> tensor<2x3x4xbf16>
// CHECK:         %[[DG:.*]] = ds.matmul %{{.*}}, %{{.*}} : (tensor<2x3x8xbf16>, tensor<8x4xbf16>) -> tensor<2x3x4xbf16>
// CHECK-NOT:     ds.add {{.*}}bf16
// CHECK:         %[[WU:.*]] = ds.convert %[[DU]] : (tensor<2x3x4xbf16>) -> tensor<2x3x4xf32>
// CHECK:         %[[WG:.*]] = ds.convert %[[DG]] : (tensor<2x3x4xbf16>) -> tensor<2x3x4xf32>
// CHECK:         ds.add %[[WU]], %[[WG]] : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
func.func @forward(%g: tensor<8x4xf32> {ds.name = "g", ds.trainable},
                   %u: tensor<8x4xf32> {ds.name = "u", ds.trainable},
                   %n: tensor<4xf32> {ds.name = "n", ds.trainable},
                   %x: tensor<2x3x4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %s = ds.mul %x, %n : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %s16 = ds.convert %s : (tensor<2x3x4xf32>) -> tensor<2x3x4xbf16>
  %g16 = ds.convert %g : (tensor<8x4xf32>) -> tensor<8x4xbf16>
  %u16 = ds.convert %u : (tensor<8x4xf32>) -> tensor<8x4xbf16>
  %a = ds.linear %s16, %g16 : (tensor<2x3x4xbf16>, tensor<8x4xbf16>) -> tensor<2x3x8xbf16>
  %b = ds.linear %s16, %u16 : (tensor<2x3x4xbf16>, tensor<8x4xbf16>) -> tensor<2x3x8xbf16>
  %p = ds.mul %a, %b : (tensor<2x3x8xbf16>, tensor<2x3x8xbf16>) -> tensor<2x3x8xbf16>
  %p32 = ds.convert %p : (tensor<2x3x8xbf16>) -> tensor<2x3x8xf32>
  %loss = ds.mean %p32 dims = [0, 1, 2] : (tensor<2x3x8xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A parameter cast once and read by two matmuls (autocast's weight cache
// casts a parameter once per region): its two bfloat16 gradients are
// summed in bfloat16, as PyTorch sums them, then converted once.

// CHECK-LABEL: func.func @train_step(
// CHECK:         %[[D1:.*]] = ds.matmul %{{.*}}, %{{.*}} transpose_lhs : (tensor<6x4xbf16>, tensor<6x4xbf16>) -> tensor<4x4xbf16>
// CHECK:         %[[D2:.*]] = ds.matmul %{{.*}}, %{{.*}} transpose_lhs : (tensor<6x4xbf16>, tensor<6x4xbf16>) -> tensor<4x4xbf16>
// CHECK:         %[[SUM:.*]] = ds.add %[[D1]], %[[D2]] : (tensor<4x4xbf16>, tensor<4x4xbf16>) -> tensor<4x4xbf16>
// CHECK:         ds.convert %[[SUM]] : (tensor<4x4xbf16>) -> tensor<4x4xf32>
func.func @forward(%w: tensor<4x4xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<2x3x4xbf16> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %w16 = ds.convert %w : (tensor<4x4xf32>) -> tensor<4x4xbf16>
  %a = ds.linear %x, %w16 : (tensor<2x3x4xbf16>, tensor<4x4xbf16>) -> tensor<2x3x4xbf16>
  %t = ds.tanh %a : tensor<2x3x4xbf16>
  %b = ds.linear %t, %w16 : (tensor<2x3x4xbf16>, tensor<4x4xbf16>) -> tensor<2x3x4xbf16>
  %b32 = ds.convert %b : (tensor<2x3x4xbf16>) -> tensor<2x3x4xf32>
  %loss = ds.mean %b32 dims = [0, 1, 2] : (tensor<2x3x4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A broadcast operand's gradient is summed over the broadcast dimensions
// and reshaped to the operand's shape. The mean's gradient is 1/24.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[B:[a-z0-9]+]]: tensor<4xf32> {ds.name = "b", ds.role = "parameter", ds.trainable},
// CHECK:         %[[T:.*]] = ds.tanh
// CHECK:         %[[SEED:.*]] = ds.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[KEPT:.*]] = ds.reshape %[[SEED]] : (tensor<f32>) -> tensor<1x1x1xf32>
// CHECK:         %[[N:.*]] = ds.constant dense<2.400000e+01> : tensor<f32>
// CHECK:         %[[SCALED:.*]] = ds.div %[[KEPT]], %[[N]]
// CHECK:         %[[DT:.*]] = ds.broadcast %[[SCALED]] : (tensor<1x1x1xf32>) -> tensor<2x3x4xf32>
// CHECK:         %[[SQ:.*]] = ds.mul %[[T]], %[[T]]
// CHECK:         %[[ONE:.*]] = ds.constant dense<1.000000e+00> : tensor<f32>
// CHECK:         %[[D:.*]] = ds.sub %[[ONE]], %[[SQ]]
// CHECK:         %[[DS:.*]] = ds.mul %[[DT]], %[[D]]
// CHECK:         %[[SUM:.*]] = ds.sum %[[DS]] dims = [0, 1] keepdim : (tensor<2x3x4xf32>) -> tensor<1x1x4xf32>
// CHECK:         %[[DB:.*]] = ds.reshape %[[SUM]] : (tensor<1x1x4xf32>) -> tensor<4xf32>
// CHECK:         ds.adamw_update %[[B]], %[[DB]],
func.func @forward(%b: tensor<4xf32> {ds.name = "b", ds.trainable},
                   %x: tensor<2x3x4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %s = ds.add %x, %b : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  %t = ds.tanh %s : tensor<2x3x4xf32>
  %loss = ds.mean %t dims = [0, 1, 2] : (tensor<2x3x4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Attention (here grouped-query) differentiates through one attention_grad,
// which reads the forward output.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[Q:[a-z0-9]+]]: tensor<1x4x8x16xf32> {ds.name = "q", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[K:[a-z0-9]+]]: tensor<1x2x8x16xf32> {ds.name = "k", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[V:[a-z0-9]+]]: tensor<1x2x8x16xf32> {ds.name = "v", ds.role = "parameter", ds.trainable},
// CHECK:         %[[O:.*]] = ds.attention %[[Q]], %[[K]], %[[V]] causal scale = 2.500000e-01
// CHECK:         %[[DO:.*]] = ds.broadcast
// CHECK:         %[[DQ:[^ ,]+]], %[[DK:[^ ,]+]], %[[DV:[^ ,]+]] = ds.attention_grad %[[Q]], %[[K]], %[[V]], %[[O]], %[[DO]] causal scale = 2.500000e-01
// CHECK-SAME:        -> (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>)
// CHECK:         ds.adamw_update %[[Q]], %[[DQ]],
// CHECK:         ds.adamw_update %[[K]], %[[DK]],
// CHECK:         ds.adamw_update %[[V]], %[[DV]],
func.func @forward(%q: tensor<1x4x8x16xf32> {ds.name = "q", ds.trainable},
                   %k: tensor<1x2x8x16xf32> {ds.name = "k", ds.trainable},
                   %v: tensor<1x2x8x16xf32> {ds.name = "v", ds.trainable}) -> tensor<f32> {
  %o = ds.attention %q, %k, %v causal scale = 2.500000e-01 : (tensor<1x4x8x16xf32>, tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) -> tensor<1x4x8x16xf32>
  %loss = ds.sum %o dims = [0, 1, 2, 3] : (tensor<1x4x8x16xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// layer_norm differentiates through layer_norm_grad; without a weight it
// passes ones and drops the weight and bias gradients.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[G:[a-z0-9]+]]: tensor<8xf32> {ds.name = "g", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[X:[a-z0-9]+]]: tensor<2x8xf32> {ds.name = "x", ds.role = "input"})
// CHECK:         %[[N:.*]] = ds.layer_norm %[[X]] weight %[[G]] epsilon = 1.000000e-05
// CHECK:         %[[DM:.*]] = ds.broadcast
// CHECK:         %[[ONES:.*]] = ds.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK:         %[[DN:[^ ,]+]], %{{.*}}, %{{.*}} = ds.layer_norm_grad %[[N]], %[[ONES]], %[[DM]] epsilon = 1.000000e-05
// CHECK:         %{{.*}}, %[[DG:[^ ,]+]], %{{.*}} = ds.layer_norm_grad %[[X]], %[[G]], %[[DN]] epsilon = 1.000000e-05
// CHECK-SAME:        : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK:         ds.adamw_update %[[G]], %[[DG]],
func.func @forward(%g: tensor<8xf32> {ds.name = "g", ds.trainable},
                   %x: tensor<2x8xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %n = ds.layer_norm %x weight %g epsilon = 1.000000e-05 : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %m = ds.layer_norm %n epsilon = 1.000000e-05 : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %loss = ds.sum %m dims = [0, 1] : (tensor<2x8xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Split and concat: the concat's gradient is sliced back into its pieces;
// the split's gradient concatenates them, with zeros for the piece that does
// not reach the loss.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[a-z0-9]+]]: tensor<2x6xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
// CHECK:         %[[E:.*]] = ds.exp
// CHECK:         %[[DE:.*]] = ds.broadcast
// CHECK:         %[[DC:.*]] = ds.mul %[[DE]], %[[E]]
// CHECK:         %[[D2:.*]] = ds.slice %[[DC]] starts = [0, 0] limits = [2, 3] strides = [1, 1] : (tensor<2x5xf32>) -> tensor<2x3xf32>
// CHECK:         %[[D0:.*]] = ds.slice %[[DC]] starts = [0, 3] limits = [2, 5] strides = [1, 1] : (tensor<2x5xf32>) -> tensor<2x2xf32>
// CHECK:         %[[D1:.*]] = ds.constant dense<0.000000e+00> : tensor<2x1xf32>
// CHECK:         %[[DW:.*]] = ds.concat %[[D0]], %[[D1]], %[[D2]] dim = 1 : (tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK:         ds.adamw_update %[[W]], %[[DW]],
func.func @forward(%w: tensor<2x6xf32> {ds.name = "w", ds.trainable}) -> tensor<f32> {
  %a:3 = ds.split %w dim = 1 sizes = [2, 1, 3] : (tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x1xf32>, tensor<2x3xf32>)
  %c = ds.concat %a#2, %a#0 dim = 1 : (tensor<2x3xf32>, tensor<2x2xf32>) -> tensor<2x5xf32>
  %e = ds.exp %c : tensor<2x5xf32>
  %loss = ds.sum %e dims = [0, 1] : (tensor<2x5xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A trainable parameter the loss does not depend on keeps its value and its
// state, as torch.optim skips parameters without a gradient.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[a-z0-9]+]]: tensor<4xf32> {ds.name = "w", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %[[U:[a-z0-9]+]]: tensor<3xf32> {ds.name = "unused", ds.role = "parameter", ds.trainable},
// CHECK-SAME:      %{{.*}}: tensor<4xf32> {ds.name = "exp_avg.w", ds.role = "state"},
// CHECK-SAME:      %{{.*}}: tensor<4xf32> {ds.name = "exp_avg_sq.w", ds.role = "state"},
// CHECK-SAME:      %[[MU:[a-z0-9]+]]: tensor<3xf32> {ds.name = "exp_avg.unused", ds.role = "state"},
// CHECK-SAME:      %[[VU:[a-z0-9]+]]: tensor<3xf32> {ds.name = "exp_avg_sq.unused", ds.role = "state"},
// CHECK:         %[[NW:[^ ,]+]], %[[NMW:[^ ,]+]], %[[NVW:[^ ,]+]] = ds.adamw_update %[[W]],
// CHECK-NOT:     ds.adamw_update
// CHECK:         return %{{.*}}, %[[NW]], %[[U]], %[[NMW]], %[[NVW]], %[[MU]], %[[VU]], %{{.*}} :
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %unused: tensor<3xf32> {ds.name = "unused", ds.trainable}) -> tensor<f32> {
  %loss = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// expected-error @+1 {{no func.func @forward to differentiate}}
module {
  func.func @model(%w: tensor<4xf32>) -> tensor<4xf32> {
    return %w : tensor<4xf32>
  }
}

// -----

// expected-error @+1 {{@forward must return the 0-d float loss first}}
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}) -> tensor<4xf32> {
  %y = ds.exp %w : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// State the forward pass writes (BatchNorm's running statistics): results
// after the loss name the frozen argument they replace; they follow the
// optimizer's results, no gradient reaches them.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:    %[[R:[a-z0-9]+]]: tensor<4xf32> {ds.name = "running", ds.role = "parameter"}
// CHECK-SAME:    -> (tensor<f32> {ds.role = "loss"}, tensor<4xf32> {ds.updates = "w"}, {{.*}}, tensor<4xf32> {ds.updates = "running"})
// CHECK:         %[[NEW:.*]] = ds.add %[[R]],
// CHECK:         return {{.*}}, %[[NEW]] :
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %running: tensor<4xf32> {ds.name = "running"},
                   %x: tensor<4xf32> {ds.input, ds.name = "x"})
    -> (tensor<f32>, tensor<4xf32> {ds.updates = "running"}) {
  %y = ds.mul %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %new = ds.add %running, %y : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %loss = ds.sum %y dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss, %new : tensor<f32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{result 1 of @forward has no ds.updates: results after the loss are new values of state arguments}}
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable})
    -> (tensor<f32>, tensor<4xf32>) {
  %loss = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss, %w : tensor<f32>, tensor<4xf32>
}

// -----

// A trainable parameter is the optimizer's to update.
// expected-error @+1 {{result 1 updates 'w', which is no frozen parameter argument of @forward}}
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable})
    -> (tensor<f32>, tensor<4xf32> {ds.updates = "w"}) {
  %loss = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  %e = ds.exp %w : tensor<4xf32>
  return %loss, %e : tensor<f32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{result 2 updates 'r' a second time}}
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %r: tensor<4xf32> {ds.name = "r"})
    -> (tensor<f32>, tensor<4xf32> {ds.updates = "r"},
        tensor<4xf32> {ds.updates = "r"}) {
  %loss = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  %e = ds.exp %r : tensor<4xf32>
  return %loss, %e, %e : tensor<f32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{result 1 updates 'r' with a value of another type}}
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %r: tensor<4xf32> {ds.name = "r"})
    -> (tensor<f32>, tensor<f32> {ds.updates = "r"}) {
  %loss = ds.sum %w dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss, %loss : tensor<f32>, tensor<f32>
}

// -----

// A backward op has no gradient rule of its own.
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}) -> tensor<f32> {
  // expected-error @+1 {{op 'ds.silu_grad' has no gradient rule}}
  %d = ds.silu_grad %w, %w : tensor<4xf32>
  %loss = ds.sum %d dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Ops off the gradient path need no rule: the mask depends on inputs only.
// CHECK-LABEL: func.func @train_step(
// CHECK:         ds.silu_grad
// CHECK:         ds.adamw_update
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable},
                   %x: tensor<4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %m = ds.silu_grad %x, %x : tensor<4xf32>
  %y = ds.mul %w, %m : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %loss = ds.sum %y dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// ds.stop_gradient (torch's detach): the value flows, its gradient does not:
// w's gradient is the detached value x·w (through the second product only,
// not 2·x·w), and the op is gone once the backward is built.
// CHECK-LABEL: func.func @train_step(
// CHECK-NOT: ds.stop_gradient
// CHECK: %[[Y:.*]] = ds.mul %{{[a-z0-9]+}}, %arg0
// CHECK: %[[DW:.*]] = ds.mul %{{.*}}, %[[Y]]
// CHECK: ds.adamw_update %arg0, %[[DW]],
// CHECK-NOT: ds.stop_gradient
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}, %x: tensor<4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %y = ds.mul %x, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %d = ds.stop_gradient %y : tensor<4xf32>
  %z = ds.mul %d, %w : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %l = ds.sum %z dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// ds.round (torch.floor, ...) passes zeros back, as PyTorch's gradient: a
// parameter reached only through it is still updated (weight decay).
// CHECK-LABEL: func.func @train_step(
// PLAIN-LABEL: func.func @train_step(
// PLAIN: ds.round %arg1 mode = floor
// PLAIN: %[[ZERO:.*]] = ds.constant dense<0.000000e+00> : tensor<4xf32>
// PLAIN: ds.sgd_update %arg1, %[[ZERO]], %{{.*}} lr = {{.*}} weight_decay = 1.000000e-01
func.func @forward(%w: tensor<4xf32> {ds.name = "w", ds.trainable}, %v: tensor<4xf32> {ds.name = "v", ds.trainable}) -> tensor<f32> {
  %r = ds.round %v mode = floor : tensor<4xf32>
  %m = ds.mul %w, %r : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %s = ds.sum %m dims = [0] : (tensor<4xf32>) -> tensor<f32>
  return %s : tensor<f32>
}
