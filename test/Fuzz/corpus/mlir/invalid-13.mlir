
// A ds attribute left on a dsrt op is refused: the plan cannot know it.
ds.mesh @mesh ["sp" = 2]
func.func @ds_attribute() {
  // expected-error @+1 {{'dsrt.persistent' op attribute 'ds.sharding' belongs to the 'ds' dialect; dsrt holds builtin attributes only}}
  %t = dsrt.persistent input "tokens" {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>} : memref<2x8xi64>
  return
}

