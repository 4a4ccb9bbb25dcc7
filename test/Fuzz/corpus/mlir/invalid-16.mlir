
func.func @unknown_mesh(%a: memref<4xf32>) {
  // expected-error @+1 {{'dsrt.kernel' op runs on @mesh, which is no dsrt.mesh}}
  dsrt.kernel "all_reduce" on @mesh (%a) -> (%a) attrs {axes = ["sp"], reduction = "sum"} : (memref<4xf32>) -> (memref<4xf32>)
  return
}

