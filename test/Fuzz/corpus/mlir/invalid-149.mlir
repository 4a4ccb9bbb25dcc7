
ds.mesh @mesh ["dp" = 2, "sp" = 4]

func.func @all_to_all_same_dim_not_divisible(%x: tensor<6x8xf32>) {
  // expected-error @+1 {{'ds.all_to_all' op dimension 0 of size 6 is not divisible by the 4 ranks of the group}}
  %0 = ds.all_to_all %x on @mesh ["sp"] split_dim = 0 concat_dim = 0 : (tensor<6x8xf32>) -> tensor<6x8xf32>
  return
}

