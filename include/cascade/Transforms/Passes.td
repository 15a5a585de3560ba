//===- Passes.td - cascade passes --------------------------*- tablegen -*-===//

#ifndef CASCADE_TRANSFORMS_PASSES_TD
#define CASCADE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def CascadeDecompose : Pass<"cascade-decompose"> {
  let summary = "Rewrite cascade.attention and cascade.moe into einsum and "
                "routing primitives";
  let description = [{
    `cascade.attention` becomes the 3-pass softmax cascade of
    `cascade.einsum` ops (QK^T, logits with scale/softcap/ALiBi/bias/mask, row
    max, exp, row sum, normalise, AV, and the log-sum-exp when asked), with
    GQA expressed by splitting the query heads into [kv_heads, group] through
    `tensor.expand_shape`. Fully masked rows give 0 and a log-sum-exp of
    -inf.

    `cascade.moe` becomes router logits (einsum), the router (softmax/sigmoid
    einsums and `cascade.topk`), `cascade.permute` of the chosen slots by
    expert, `cascade.gather` of token rows, `cascade.grouped_einsum` per
    expert with the activation as an einsum map region, and a weighted
    `cascade.scatter` back to tokens, plus dense shared experts.

    Intermediates of f16/bf16 graphs are kept in f32.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect",
                           "::cascade::CascadeDialect"];
}

def CascadeCountPasses : Pass<"cascade-count-passes", "::mlir::func::FuncOp"> {
  let summary = "Count the passes each cascade makes over each reduced rank";
  let description = [{
    The FuseMax analysis. Ranks are followed through the dataflow (an index
    of an einsum input and the same index of its result are one rank; so are
    the kept dimensions of reshapes, pads and slices). For every rank that
    some einsum reduces or iterates over, each value gets the pass over that
    rank in which it is produced:

    * a value that carries the rank streams in the pass of its inputs;
    * a value that no longer carries it (a reduction over it) is complete at
      the end of that pass;
    * an einsum that reads the rank while also reading a value completed in
      pass k runs in pass k + 1.

    The 3-pass softmax needs 3 passes over the key rank (max, then sum, then
    normalise and contract); the 1-pass form needs 1 pass over the block
    rank, carrying running state along it as an iterative rank.

    Results are remarks: one per rank on the function ("rank 'm' ...: 3
    passes"), and one on each einsum that starts a new pass, naming the
    reduction it waits for.
  }];
  let dependentDialects = ["::cascade::CascadeDialect"];
}

#endif // CASCADE_TRANSFORMS_PASSES_TD
