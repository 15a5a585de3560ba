// RUN: cascade-opt %s -split-input-file -verify-diagnostics
// Found by cascade-fuzz-ir (CI, 2026-11-24): a mask index group or an origin
// holding the byte 0xFF looked it up in the verifier's map of index sizes,
// where 0xFF is the map's reserved empty key: a garbage size, then a signed
// overflow (UBSan). Index names are letters; anything else is now reported
// before the lookup.

func.func @mask_group_byte(%s: tensor<4x8xf32>, %p0: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{mask index}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) mask(#cascade.causal on "p", "m\FF") mask_extent([16, 16]) mask_origin(%p0) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @origin_byte(%s: tensor<4x8xf32>, %i: index) -> tensor<4x8xf32> {
  // expected-error @+1 {{is not an index of the einsum}}
  %0 = cascade.einsum "pm->pm" ins(%s : tensor<4x8xf32>) origin("\FF" = %i) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
