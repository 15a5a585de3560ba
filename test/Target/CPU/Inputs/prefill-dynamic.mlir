// A prefill of any length: the result's run-time size is the queries'
// (argument q, dimension 2), which the caller allocates before the launch.
func.func @prefill(%q: tensor<1x8x?x128xf32>, %k: tensor<1x2x?x128xf32>,
                   %v: tensor<1x2x?x128xf32>) -> tensor<1x8x?x128xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>)
      : tensor<1x8x?x128xf32>, tensor<1x2x?x128xf32>, tensor<1x2x?x128xf32>
      -> tensor<1x8x?x128xf32>
  return %o : tensor<1x8x?x128xf32>
}
