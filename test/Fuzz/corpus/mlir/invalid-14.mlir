
func.func @ds_kernel_attribute(%a: memref<4xf32>) {
  // expected-error @+1 {{'dsrt.kernel' op kernel attribute 'reduction' belongs to the 'ds' dialect; dsrt holds builtin attributes only}}
  dsrt.kernel "all_reduce" (%a) -> (%a) attrs {reduction = #ds<reduction sum>} : (memref<4xf32>) -> (memref<4xf32>)
  return
}

