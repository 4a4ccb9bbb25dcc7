
func.func @concat_empty() {
  // expected-error @+2 {{failed to infer returned types}}
  // expected-error @+1 {{'ds.concat' op needs at least one operand}}
  %0 = ds.concat dim = 0 : () -> tensor<0xf32>
  return
}

