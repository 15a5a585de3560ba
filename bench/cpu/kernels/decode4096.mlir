// bench/cpu/kernels/decode.mlir compiled for a cache of exactly 4096 keys:
// what the run-time length costs against a kernel of static shapes.
func.func @main(%q: tensor<1x32x1x128xf32> {cascade.name = "q"},
                %k: tensor<1x8x4096x128xf32> {cascade.name = "k_cache"},
                %v: tensor<1x8x4096x128xf32> {cascade.name = "v_cache"})
    -> tensor<1x32x1x128xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>)
      : tensor<1x32x1x128xf32>, tensor<1x8x4096x128xf32>, tensor<1x8x4096x128xf32>
      -> tensor<1x32x1x128xf32>
  return %o : tensor<1x32x1x128xf32>
}
