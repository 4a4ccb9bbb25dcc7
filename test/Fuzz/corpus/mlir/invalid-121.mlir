
// expected-error @+1 {{'ds.mesh' op axis "sp" has size 0; sizes must be >= 1}}
ds.mesh @mesh ["dp" = 2, "sp" = 0]

