
// expected-error @+1 {{'func.func' op argument attribute 'ds.name' must be a non-empty string}}
func.func @bad_name(%w: tensor<4xf32> {ds.name = 3 : i64}) {
  return
}

