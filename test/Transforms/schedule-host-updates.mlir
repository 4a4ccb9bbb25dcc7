// RUN: ds-opt %s -ds-autodiff='optimizer=sgd momentum=0.9' -ds-offload=optimizer=cpu -ds-host-updates -ds-schedule | FileCheck %s
// RUN: ds-compile %s -o %t.plan --optimizer sgd --momentum 0.9 --offload-optimizer cpu --host-updates

// A weight the backward reads after its gradient is complete (`w * h`:
// the gradient of h is `grad * w`): the update on the host may run at
// once, but the reload of its new value into the weight's memory waits
// for that last reader (it was placed before it, and the lowering refused
// the plan: "reads "norm.w" after or while its new value is written in
// place").
// CHECK-LABEL: func.func @train_step
// CHECK: ds.sgd_update %{{.*}} on_host
// CHECK: ds.mul %{{.*}}, %arg0 :
// CHECK: ds.reload %new_param from "cpu"
func.func @forward(%w: tensor<4xf32> {ds.name = "norm.w", ds.trainable},
                   %a: tensor<4x4xf32> {ds.name = "a", ds.trainable},
                   %x: tensor<2x4xf32> {ds.input, ds.name = "x"}) -> tensor<f32> {
  %h = ds.linear %x, %a : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %y = ds.mul %w, %h : (tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %t = ds.tanh %y : tensor<2x4xf32>
  %loss = ds.mean %t dims = [0, 1] : (tensor<2x4xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}
