
// Only the generic form can give different numbers of names and sizes.
// expected-error @+1 {{'ds.mesh' op has 1 axis names but 2 sizes}}
"ds.mesh"() <{sym_name = "mesh", axis_names = ["dp"], axis_sizes = array<i64: 2, 4>}> : () -> ()

