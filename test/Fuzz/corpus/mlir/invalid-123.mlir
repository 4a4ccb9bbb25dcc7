
func.func @mesh_not_in_module() {
  // expected-error @+1 {{'ds.mesh' op expects parent op 'builtin.module'}}
  ds.mesh @mesh ["dp" = 2]
  return
}

