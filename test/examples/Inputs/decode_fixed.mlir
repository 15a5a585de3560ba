// examples/decode.mlir with a cache of 1000 keys, whose random inputs the
// run-time-length example is checked on (cascade-run cannot make random
// inputs of a run-time size).
func.func @main(%q: tensor<1x8x1x128xf32> {cascade.name = "q"},
                %k: tensor<1x2x1000x128xf32> {cascade.name = "k_cache"},
                %v: tensor<1x2x1000x128xf32> {cascade.name = "v_cache"})
    -> tensor<1x8x1x128xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>)
      : tensor<1x8x1x128xf32>, tensor<1x2x1000x128xf32>, tensor<1x2x1000x128xf32>
      -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}
