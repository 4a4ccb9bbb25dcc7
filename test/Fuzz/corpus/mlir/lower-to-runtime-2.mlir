
// How an input is split over the mesh and the shape of the user's data
// before padding stay on its buffer for the plan, in dsrt's terms; the mesh
// becomes dsrt's, enumerations become their names: nothing of ds is left.
ds.mesh @mesh ["sp" = 2]
func.func @train_step(%t: tensor<2x3xi64> {ds.name = "tokens", ds.role = "input", ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>, ds.data_shape = array<i64: 2, 5>, ds.valid_range = array<i64: 0, 7>}) -> (tensor<f32> {ds.role = "loss"}) {
  %f = ds.convert %t : (tensor<2x3xi64>) -> tensor<2x3xf32>
  %p = ds.sum %f dims = [0, 1] : (tensor<2x3xf32>) -> tensor<f32>
  %l = ds.all_reduce %p on @mesh ["sp"] reduction = sum : tensor<f32>
  return %l : tensor<f32>
}

