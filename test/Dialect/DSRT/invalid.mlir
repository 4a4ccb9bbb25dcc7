// RUN: ds-opt %s -split-input-file -verify-diagnostics

// One case per rule the dsrt verifiers check.

func.func @negative_offset() {
  // expected-error @+1 {{'dsrt.arena_buffer' op offset must be non-negative}}
  %a = dsrt.arena_buffer offset = -64 : memref<4xf32>
  return
}

// -----

func.func @dynamic_buffer() {
  // expected-error @+1 {{'dsrt.arena_buffer' op needs a static shape}}
  %a = dsrt.arena_buffer offset = 0 : memref<?xf32>
  return
}

// -----

func.func @constant_type() {
  // expected-error @+1 {{'dsrt.constant' op value of type}}
  %c = dsrt.constant dense<1.0> : tensor<2xf32> : memref<3xf32>
  return
}

// -----

func.func @gradient_type(%w: memref<4xf32>, %g: memref<4xf16>) {
  // expected-error @+1 {{'dsrt.gradient' op failed to verify that all of {parameter, gradient} have same element type}}
  "dsrt.gradient"(%w, %g) : (memref<4xf32>, memref<4xf16>) -> ()
  return
}

// -----

// A flat piece (ZeRO) is no larger than the parameter; a shaped gradient
// has the parameter's shape.
func.func @gradient_piece(%w: memref<2x3xf32>, %g: memref<7xf32>, %h: memref<3x2xf32>) {
  // expected-error @+1 {{'dsrt.gradient' op has a gradient of type 'memref<7xf32>', neither the parameter's shape nor a flat piece of it}}
  dsrt.gradient %w, %g : memref<2x3xf32>, memref<7xf32>
  return
}

// -----

func.func @gradient_shape(%w: memref<2x3xf32>, %h: memref<3x2xf32>) {
  // expected-error @+1 {{'dsrt.gradient' op has a gradient of type 'memref<3x2xf32>', neither the parameter's shape nor a flat piece of it}}
  dsrt.gradient %w, %h : memref<2x3xf32>, memref<3x2xf32>
  return
}

// -----

func.func @unknown_storage() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [parameter, state, input]}}
  %w = dsrt.persistent 3 "w" : memref<4xf32>
  return
}

// -----

// expected-error @+1 {{'dsrt.mesh' op axis "sp" is declared twice}}
dsrt.mesh @mesh ["sp", "sp"] sizes [2, 2]

// -----

// expected-error @+1 {{'dsrt.mesh' op has 1 axis names but 2 sizes}}
dsrt.mesh @mesh ["sp"] sizes [2, 2]

// -----

func.func @split_rank() {
  // expected-error @+1 {{'dsrt.persistent' op split has 1 entries for a buffer of rank 2}}
  %t = dsrt.persistent input "tokens" split ["sp"] : memref<2x8xi64>
  return
}

// -----

func.func @split_twice() {
  // expected-error @+1 {{'dsrt.persistent' op axis "sp" splits more than one dimension}}
  %t = dsrt.persistent input "tokens" split ["sp", "sp"] : memref<2x8xi64>
  return
}

// -----

func.func @data_shape_rank() {
  // expected-error @+1 {{'dsrt.persistent' op data_shape has 3 entries for a buffer of rank 2}}
  %t = dsrt.persistent input "tokens" data_shape [1, 2, 3] : memref<2x8xi64>
  return
}

// -----

func.func @data_shape_negative() {
  // expected-error @+1 {{'dsrt.persistent' op data_shape entries must be >= 0}}
  %t = dsrt.persistent input "tokens" data_shape [2, -1] : memref<2x8xi64>
  return
}

// -----

// A ds attribute left on a dsrt op is refused: the plan cannot know it.
ds.mesh @mesh ["sp" = 2]
func.func @ds_attribute() {
  // expected-error @+1 {{'dsrt.persistent' op attribute 'ds.sharding' belongs to the 'ds' dialect; dsrt holds builtin attributes only}}
  %t = dsrt.persistent input "tokens" {ds.sharding = #ds.sharding<@mesh, [{}, {"sp"}]>} : memref<2x8xi64>
  return
}

// -----

func.func @ds_kernel_attribute(%a: memref<4xf32>) {
  // expected-error @+1 {{'dsrt.kernel' op kernel attribute 'reduction' belongs to the 'ds' dialect; dsrt holds builtin attributes only}}
  dsrt.kernel "all_reduce" (%a) -> (%a) attrs {reduction = #ds<reduction sum>} : (memref<4xf32>) -> (memref<4xf32>)
  return
}

// -----

func.func @mesh_in_attrs(%a: memref<4xf32>) {
  // expected-error @+1 {{'dsrt.kernel' op names its mesh in kernel_attrs; a collective runs `on @mesh`}}
  dsrt.kernel "all_reduce" (%a) -> (%a) attrs {axes = ["sp"], mesh = @mesh, reduction = "sum"} : (memref<4xf32>) -> (memref<4xf32>)
  return
}

// -----

func.func @unknown_mesh(%a: memref<4xf32>) {
  // expected-error @+1 {{'dsrt.kernel' op runs on @mesh, which is no dsrt.mesh}}
  dsrt.kernel "all_reduce" on @mesh (%a) -> (%a) attrs {axes = ["sp"], reduction = "sum"} : (memref<4xf32>) -> (memref<4xf32>)
  return
}

// -----

func.func @valid_range_float() {
  // expected-error @+1 {{'dsrt.persistent' op valid_range is for integer inputs}}
  %x = dsrt.persistent input "x" valid_range [0, 4] : memref<2x8xf32>
  return
}

// -----

func.func @valid_range_order() {
  // expected-error @+1 {{'dsrt.persistent' op valid_range must be [lo, hi] or [lo, hi, also], lo <= hi}}
  %t = dsrt.persistent input "tokens" valid_range [4, 0] : memref<2x8xi64>
  return
}

// -----

func.func @input_in_nvme() {
  // expected-error @+1 {{'dsrt.persistent' op only parameters and state can be kept in a memory space, "cpu" or "nvme"}}
  %w = dsrt.persistent input "x" in "nvme" : memref<4xf32>
  return
}

// -----

func.func @state_on_tape() {
  // expected-error @+1 {{'dsrt.persistent' op only parameters and state can be kept in a memory space, "cpu" or "nvme"}}
  %s = dsrt.persistent state "s" in "tape" : memref<4xf32>
  return
}
