
// expected-error @+1 {{'ds.mesh' op axis "dp" has size -2; sizes must be >= 1}}
ds.mesh @mesh ["dp" = -2]

