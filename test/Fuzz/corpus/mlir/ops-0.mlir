
// Every op of the dsrt dialect survives a round trip through its assembly
// format and the generic form.

dsrt.mesh @mesh ["dp", "sp"] sizes [2, 4]
func.func @step() {
  %a = dsrt.arena_buffer offset = 0 : memref<2x8xf32>
  %b = dsrt.arena_buffer offset = 64 : memref<2x4xf32>
  %w = dsrt.persistent parameter "fc.weight" : memref<4x8xf32>
  %s = dsrt.persistent state "exp_avg.fc.weight" : memref<4x8xf32>
  %x = dsrt.persistent input "x" : memref<2x8xf32>
  %t = dsrt.persistent input "tokens" split ["dp", "sp"] data_shape [4, 30] valid_range [0, 256, -100] : memref<2x8xi64>
  %v = dsrt.persistent state "exp_avg_sq.fc.weight" in "nvme" : memref<4x8xf32>
  %h = dsrt.persistent state "momentum_buffer.fc.weight" in "cpu" : memref<4x8xf32>
  %p = dsrt.persistent parameter "fc.bias" in "nvme" : memref<8xf32>
  %c = dsrt.constant dense<1> : tensor<i64> : memref<i64>
  dsrt.kernel "matmul" (%x, %w) -> (%b) attrs {transpose_rhs} phase forward : (memref<2x8xf32>, memref<4x8xf32>) -> (memref<2x4xf32>)
  dsrt.kernel "neg" (%x) -> (%a) attrs {} : (memref<2x8xf32>) -> (memref<2x8xf32>)
  dsrt.kernel "all_reduce" on @mesh (%a) -> (%a) attrs {axes = ["sp"], reduction = "sum"} phase backward : (memref<2x8xf32>) -> (memref<2x8xf32>)
  dsrt.loss %c : memref<i64>
  dsrt.gradient %w, %s : memref<4x8xf32>, memref<4x8xf32>
  return
}
