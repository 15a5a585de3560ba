// examples/linear_attention.mlir unchunked: O = mask(Q K^T) V over all 1024
// tokens (what test/examples/examples.test compares the chunked form with).
func.func @main(%q: tensor<4x1024x64xf32>, %k: tensor<4x1024x64xf32>, %v: tensor<4x1024x64xf32>) -> tensor<4x1024x64xf32> {
  %a = cascade.einsum "htd,hsd->hts" ins(%q, %k : tensor<4x1024x64xf32>, tensor<4x1024x64xf32>)
         map(mul) reduce(add) -> tensor<4x1024x1024xf32>
  %o = cascade.einsum "hts,hsf->htf" ins(%a, %v : tensor<4x1024x1024xf32>, tensor<4x1024x64xf32>)
         map(mul) reduce(add) mask(#cascade.causal on "t", "s") -> tensor<4x1024x64xf32>
  return %o : tensor<4x1024x64xf32>
}
