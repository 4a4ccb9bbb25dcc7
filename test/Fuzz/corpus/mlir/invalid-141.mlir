
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_reduce_result_type(%x: tensor<8xf32>) {
  // expected-error @+1 {{'ds.all_reduce' op requires the same type for all operands and results}}
  %0 = "ds.all_reduce"(%x) <{mesh = @mesh, axes = ["dp"], reduction = #ds<reduction sum>}> : (tensor<8xf32>) -> tensor<4xf32>
  return
}

