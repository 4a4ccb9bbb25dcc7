
// Decisions without a mesh are an error, not ignored.
// expected-error @+1 {{ds-partition: shardings without a ds.mesh}}
func.func @train_step(%x: tensor<8xf32>) -> tensor<8xf32> {
  %n = ds.neg %x {ds.shardings = [#ds.sharding<@mesh, [{"sp"}]>]} : tensor<8xf32>
  return %n : tensor<8xf32>
}

