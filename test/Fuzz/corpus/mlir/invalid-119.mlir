
// expected-error @+1 {{'ds.mesh' op axis names must not be empty}}
ds.mesh @mesh ["dp" = 2, "" = 4]

