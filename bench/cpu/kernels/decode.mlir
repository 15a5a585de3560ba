// A decode step of a Llama-3-8B-like layer: one new token's 32 query heads
// against 8 key/value heads (grouped-query), head dim 128, f32, over a KV
// cache whose length is only known at run time (every cached key visible).
func.func @main(%q: tensor<1x32x1x128xf32> {cascade.name = "q"},
                %k: tensor<1x8x?x128xf32> {cascade.name = "k_cache"},
                %v: tensor<1x8x?x128xf32> {cascade.name = "v_cache"})
    -> tensor<1x32x1x128xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>)
      : tensor<1x32x1x128xf32>, tensor<1x8x?x128xf32>, tensor<1x8x?x128xf32>
      -> tensor<1x32x1x128xf32>
  return %o : tensor<1x32x1x128xf32>
}
