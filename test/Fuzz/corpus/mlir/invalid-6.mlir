
func.func @unknown_storage() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [parameter, state, input]}}
  %w = dsrt.persistent 3 "w" : memref<4xf32>
  return
}

