// Verifier errors of the tile IR and of einsum tiles.
// RUN: cascade-opt %s -split-input-file -verify-diagnostics

func.func @empty_grid(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{grid dimension 0 is 0; every dimension needs at least one work item}}
  %r = tile.program grid([0]) outs(%x : tensor<4xf32>) {
  ^bb0(%i: index, %Y: memref<4xf32>):
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// Only the generic form can spell it: the custom one needs an output.
func.func @no_outputs() {
  // expected-error @+1 {{needs at least one output; a program without outputs has no effect}}
  "tile.program"() <{static_grid = array<i64: 1>, operandSegmentSizes = array<i32: 0, 0, 0, 0>}> ({
  ^bb0(%i: index):
    "tile.end"() : () -> ()
  }) : () -> ()
  return
}

// -----

func.func @result_type(%x: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{result #0 has type 'tensor<8xf32>' but output #0 has type 'tensor<4xf32>'}}
  %r = tile.program grid([1]) outs(%x : tensor<4xf32>) {
  ^bb0(%i: index, %Y: memref<4xf32>):
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @body_arity(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{body has 1 arguments, expected 2 (1 work-item ids, 0 parameters, one buffer per input and output)}}
  %r = tile.program grid([1]) outs(%x : tensor<4xf32>) {
  ^bb0(%i: index):
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @buffer_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{body argument #1 has type 'memref<4xf16>', expected 'memref<4xf32>' (the buffer of operand #0)}}
  %r = tile.program grid([1]) outs(%x : tensor<4xf32>) {
  ^bb0(%i: index, %Y: memref<4xf16>):
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @work_item_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{body argument #0 (a work-item id) must be an index}}
  %r = tile.program grid([1]) outs(%x : tensor<4xf32>) {
  ^bb0(%i: i32, %Y: memref<4xf32>):
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @param_type(%x: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  // expected-error @+1 {{body argument #1 (a parameter) must be an index}}
  %r = tile.program grid([%n]) params(%n) outs(%x : tensor<?xf32>) {
  ^bb0(%i: index, %m: i64, %Y: memref<?xf32>):
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

func.func @param_arity(%x: tensor<?xf32>, %n: index) -> tensor<?xf32> {
  // expected-error @+1 {{body has 2 arguments, expected 3 (1 work-item ids, 1 parameters, one buffer per input and output)}}
  %r = tile.program grid([4]) params(%n) outs(%x : tensor<?xf32>) {
  ^bb0(%i: index, %Y: memref<?xf32>):
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// Only the generic form can spell it: a run-time grid dimension without its
// value.
func.func @grid_values(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expected 1 dynamic grid values}}
  %r = "tile.program"(%x) <{static_grid = array<i64: -9223372036854775808>, operandSegmentSizes = array<i32: 0, 0, 0, 1>}> ({
  ^bb0(%i: index, %Y: memref<4xf32>):
    "tile.end"() : () -> ()
  }) : (tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @load_offsets(%b: memref<4x4xf32>, %i: index) -> tensor<2x2xf32> {
  // expected-error @+1 {{takes one offset per buffer dimension (2), got 1}}
  %t = tile.load %b[%i] : memref<4x4xf32> -> tensor<2x2xf32>
  return %t : tensor<2x2xf32>
}

// -----

func.func @load_bounds(%b: memref<4x4xf32>, %i: index) -> tensor<2x2xf32> {
  // expected-error @+1 {{takes no bounds or one per buffer dimension (2), got 1}}
  %t = tile.load %b[%i, %i] bounds[%i] : memref<4x4xf32> -> tensor<2x2xf32>
  return %t : tensor<2x2xf32>
}

// -----

func.func @store_bounds(%b: memref<4x4xf32>, %t: tensor<2x2xf32>, %i: index) {
  // expected-error @+1 {{takes no bounds or one per buffer dimension (2), got 3}}
  tile.store %t, %b[%i, %i] bounds[%i, %i, %i] : tensor<2x2xf32> -> memref<4x4xf32>
  return
}

// -----

func.func @load_rank(%b: memref<4x4xf32>, %i: index) -> tensor<2xf32> {
  // expected-error @+1 {{tile rank 1 differs from the buffer rank 2}}
  %t = tile.load %b[%i, %i] : memref<4x4xf32> -> tensor<2xf32>
  return %t : tensor<2xf32>
}

// -----

func.func @store_element(%t: tensor<2x2xf16>, %b: memref<4x4xf32>, %i: index) {
  // expected-error @+1 {{tile element type 'f16' differs from the buffer's 'f32'}}
  tile.store %t, %b[%i, %i] : tensor<2x2xf16> -> memref<4x4xf32>
  return
}

// -----

func.func @dynamic_tile(%b: memref<4x4xf32>, %i: index) -> tensor<?x2xf32> {
  // expected-error @+1 {{tile 'tensor<?x2xf32>' needs a static shape}}
  %t = tile.load %b[%i, %i] : memref<4x4xf32> -> tensor<?x2xf32>
  return %t : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{matrix takes the matrix unit's positive [m, n, k]}}
module attributes {tile.target = #tile.target<name = "x", vector_bits = 128, registers = 64, shared_memory = 1024, matrix = [16, 16]>} {}

// -----

func.func @origin_count(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{origin names 2 indices but has 1 offsets}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) origin("pm" = %p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @origin_unknown(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{origin index 'x' is not an index of the einsum}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) origin("x" = %p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @origin_twice(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{origin index 'p' is given twice}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) origin("pp" = %p0, %p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @mask_origin_needs_extent(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{a masked tile (an einsum with a mask_origin) needs mask_extent}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) mask(#cascade.causal on "p", "m") mask_origin(%p0, %p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @mask_origin_count(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{mask_origin takes the query and key coordinates, got 1 values}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) mask(#cascade.causal on "p", "m") mask_extent([16, 16]) mask_origin(%p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @mask_origin_without_mask(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{mask_origin given without a mask}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) mask_origin(%p0, %p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
