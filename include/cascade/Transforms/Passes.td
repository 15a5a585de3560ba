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

#endif // CASCADE_TRANSFORMS_PASSES_TD
