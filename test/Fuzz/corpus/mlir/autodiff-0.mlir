// BADCLIP: error: invalid maximum gradient norm -1.000000e+00: it must be positive (or 0: no clipping)

// BADOPT: error: unknown optimizer 'rmsprop'; expected 'adamw' or 'sgd'

// Hyperparameters torch.optim would refuse, and non-finite ones (a NaN
// weight decay once fell back to the default without a word).
// NANLR: error: invalid learning rate nan: it must be finite
// NANWD: error: invalid weight decay nan: it must be finite
// BETA: error: invalid beta2 1

// A linear layer and cross-entropy. `scale` is a frozen parameter, so the
// input-side product needs no gradient; the linear layer's VJP gives the
// weight gradient as one product over all positions and the bias gradient
// as a sum over the leading dimensions.


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

