
// expected-error @+1 {{'func.func' op argument attribute 'ds.role' must be one of "parameter", "state", "input"}}
func.func @bad_role(%w: tensor<4xf32> {ds.role = "weights"}) {
  return
}

