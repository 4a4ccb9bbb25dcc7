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
  // expected-error @+1 {{'dsrt.gradient' op failed to verify that all of {parameter, gradient} have same type}}
  "dsrt.gradient"(%w, %g) : (memref<4xf32>, memref<4xf16>) -> ()
  return
}

// -----

func.func @unknown_storage() {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [parameter, state, input]}}
  %w = dsrt.persistent 3 "w" : memref<4xf32>
  return
}
