// One decode step over a KV cache whose length is only known at run time:
// the new token's 8 query heads attend to every cached key and value (2
// key/value heads, grouped-query), head dim 128, float32. One compiled
// kernel serves every cache length: the number of key blocks, the padding
// of the last block and its mask are computed at run time.
//
//   cascade-opt examples/decode.mlir --cascade-lower-to-tiles
//   cascade-compile examples/decode.mlir -o decode.o --header decode.h
//   (split-KV by default on the CPU: 4 scans of the cache per key/value
//   head; --splits 1 for one)
//   (examples/app calls it for several cache lengths)
func.func @main(%q: tensor<1x8x1x128xf32> {cascade.name = "q"},
                %k: tensor<1x2x?x128xf32> {cascade.name = "k_cache"},
                %v: tensor<1x2x?x128xf32> {cascade.name = "v_cache"})
    -> tensor<1x8x1x128xf32> {
  %o = cascade.attention %q, %k, %v mask(#cascade.causal<bottom_right>)
      : tensor<1x8x1x128xf32>, tensor<1x2x?x128xf32>, tensor<1x2x?x128xf32>
      -> tensor<1x8x1x128xf32>
  return %o : tensor<1x8x1x128xf32>
}
