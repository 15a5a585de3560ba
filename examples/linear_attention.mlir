// Causal linear attention, chunked (the recurrence of Lightning Attention /
// chunked linear attention, docs/design.md "Iterative ranks"): the sequence
// of T = C x L tokens is split into C chunks of L. Within a chunk the causal
// part is an ordinary masked product; across chunks a running state
// S[c+1] = S[c] + K[c]^T V[c] (D x F per head) carries what earlier chunks
// contribute: O[c] = mask(Q[c] K[c]^T) V[c] + Q[c] S[c]. No softmax, so no
// normalisation; 4 heads, 1024 tokens in 16 chunks of 64, D = F = 64.
func.func @main(%q: tensor<4x1024x64xf32> {cascade.name = "q"},
                %k: tensor<4x1024x64xf32> {cascade.name = "k"},
                %v: tensor<4x1024x64xf32> {cascade.name = "v"})
    -> (tensor<4x1024x64xf32> {cascade.name = "o"}) {
  %qc = tensor.expand_shape %q [[0], [1, 2], [3]] output_shape [4, 16, 64, 64] : tensor<4x1024x64xf32> into tensor<4x16x64x64xf32>
  %kc = tensor.expand_shape %k [[0], [1, 2], [3]] output_shape [4, 16, 64, 64] : tensor<4x1024x64xf32> into tensor<4x16x64x64xf32>
  %vc = tensor.expand_shape %v [[0], [1, 2], [3]] output_shape [4, 16, 64, 64] : tensor<4x1024x64xf32> into tensor<4x16x64x64xf32>
  // Within each chunk: the scores, then their product with V over the keys
  // at or before each query (the mask drops the others from the sum).
  %a = cascade.einsum "hcpd,hcmd->hcpm" ins(%qc, %kc : tensor<4x16x64x64xf32>, tensor<4x16x64x64xf32>)
         map(mul) reduce(add) -> tensor<4x16x64x64xf32>
  %intra = cascade.einsum "hcpm,hcmf->hcpf" ins(%a, %vc : tensor<4x16x64x64xf32>, tensor<4x16x64x64xf32>)
         map(mul) reduce(add) mask(#cascade.causal on "p", "m") -> tensor<4x16x64x64xf32>
  // Each chunk's K^T V, and the running state over the chunks (iterative
  // rank c: entry c is the sum over the chunks before c).
  %kv = cascade.einsum "hcmd,hcmf->hcdf" ins(%kc, %vc : tensor<4x16x64x64xf32>, tensor<4x16x64x64xf32>)
         map(mul) reduce(add) -> tensor<4x16x64x64xf32>
  %zero = arith.constant dense<0.0> : tensor<4x64x64xf32>
  %s = cascade.einsum "hcdf->hcdf" ins(%kv : tensor<4x16x64x64xf32>) iterate("c" init %zero : tensor<4x64x64xf32>) {
  ^bb0(%prev: f32, %x: f32):
    %n = arith.addf %prev, %x : f32
    cascade.yield %n : f32
  } -> tensor<4x17x64x64xf32>
  %before = tensor.extract_slice %s[0, 0, 0, 0] [4, 16, 64, 64] [1, 1, 1, 1] : tensor<4x17x64x64xf32> to tensor<4x16x64x64xf32>
  // What the earlier chunks contribute, added to the chunk's own part.
  %inter = cascade.einsum "hcpd,hcdf->hcpf" ins(%qc, %before : tensor<4x16x64x64xf32>, tensor<4x16x64x64xf32>)
         map(mul) reduce(add) -> tensor<4x16x64x64xf32>
  %oc = cascade.einsum "hcpf,hcpf->hcpf" ins(%intra, %inter : tensor<4x16x64x64xf32>, tensor<4x16x64x64xf32>) {
  ^bb0(%x: f32, %y: f32):
    %r = arith.addf %x, %y : f32
    cascade.yield %r : f32
  } -> tensor<4x16x64x64xf32>
  %o = tensor.collapse_shape %oc [[0], [1, 2], [3]] : tensor<4x16x64x64xf32> into tensor<4x1024x64xf32>
  return %o : tensor<4x1024x64xf32>
}
