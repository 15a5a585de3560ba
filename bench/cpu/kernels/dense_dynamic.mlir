// bench/cpu/kernels/dense.mlir with run-time sequence lengths: one kernel
// for any length, run at 4096 (what the run-time length costs against the
// static kernel).
func.func @main(%q: tensor<1x16x?x128xf32> {cascade.name = "q"},
                %k: tensor<1x16x?x128xf32> {cascade.name = "k"},
                %v: tensor<1x16x?x128xf32> {cascade.name = "v"})
    -> tensor<1x16x?x128xf32> {
  %o = cascade.attention %q, %k, %v : tensor<1x16x?x128xf32>, tensor<1x16x?x128xf32>, tensor<1x16x?x128xf32> -> tensor<1x16x?x128xf32>
  return %o : tensor<1x16x?x128xf32>
}
