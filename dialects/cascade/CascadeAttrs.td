//===- CascadeAttrs.td - mask attributes -------------------*- tablegen -*-===//
//
// Masks are predicates over (query, key) coordinates. Each mask attribute
// implements MaskAttrInterface, so einsum and attention ops accept any of them
// and new masks are added here without touching the ops.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_ATTRS_TD
#define CASCADE_ATTRS_TD

include "CascadeDialect.td"
include "CascadeInterfaces.td"

class Cascade_Mask<string name, string attrMnemonic,
                   list<string> overrides = ["classifyBlock"]>
    : AttrDef<Cascade_Dialect, name, [DeclareAttrInterfaceMethods<
          Cascade_MaskAttrInterface, overrides>]> {
  let mnemonic = attrMnemonic;
}

def Cascade_FullMask : Cascade_Mask<"FullMask", "full"> {
  let summary = "keeps every point (with mask_extent: masks padding only)";
  let description = [{
    `#cascade.full` keeps every (q, k). On an einsum with `mask_extent` it
    masks exactly the points past the extent, i.e. the padding added when a
    rank is partitioned into blocks.
  }];
}

def Cascade_CausalMask : Cascade_Mask<"CausalMask", "causal"> {
  let summary = "key k is visible to query q when k <= q (+ offset)";
  let description = [{
    `#cascade.causal` keeps k <= q. With `bottom_right` the diagonal is aligned
    to the last query and key (k <= q + numKeys - numQueries), which is the
    decode/chunked-prefill convention; `top_left` (the default) matches
    PyTorch's `is_causal=True`.
  }];
  let parameters = (ins DefaultValuedParameter<"CausalAlign",
                        "CausalAlign::top_left">:$align);
  let assemblyFormat = "(`<` $align^ `>`)?";
}

def Cascade_SlidingWindowMask : Cascade_Mask<"SlidingWindowMask",
                                             "sliding_window"> {
  let summary = "key k is visible when q - left <= k <= q + right";
  let description = [{
    `#cascade.sliding_window<left = 512, right = 0>` is causal local attention
    (Mistral, Longformer-style windows use a non-zero `right`).
  }];
  let parameters = (ins "int64_t":$left, "int64_t":$right);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Cascade_PrefixLmMask : Cascade_Mask<"PrefixLmMask", "prefix_lm"> {
  let summary = "bidirectional over the first `prefix` keys, causal after";
  let description = [{
    `#cascade.prefix_lm<prefix = 64>` keeps k < prefix or k <= q.
  }];
  let parameters = (ins "int64_t":$prefix);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Cascade_DocumentMask : Cascade_Mask<"DocumentMask", "document", []> {
  let summary = "jagged/packed sequences: query and key share a segment id";
  let description = [{
    `#cascade.document` reads two runtime integer tensors, the segment ids of
    the queries (size numQueries) and of the keys (size numKeys), and keeps
    k for q when their ids are equal. Combine with `#cascade.causal` through
    `#cascade.all_of` for causal packed sequences.
  }];
}

def Cascade_NeighborhoodMask : Cascade_Mask<"NeighborhoodMask",
                                            "neighborhood"> {
  let summary = "1D/2D/3D neighborhood attention with dilation (NATTEN)";
  let description = [{
    Queries and keys are the row-major flattening of a `grid` of 1 to 3
    dimensions. Along each dimension of length L with dilation d and kernel
    size w, a query at x sees the w keys of its dilation group (same x mod d)
    nearest to it, the window being shifted inward at the borders so it always
    holds w keys (NATTEN's definition).
    `#cascade.neighborhood<grid = [32, 32], kernel = [7, 7], dilation = [1, 1]>`
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$grid,
                        ArrayRefParameter<"int64_t">:$kernel,
                        ArrayRefParameter<"int64_t">:$dilation);
  let assemblyFormat = [{
    `<` `grid` `=` `[` $grid `]` `,` `kernel` `=` `[` $kernel `]` `,`
        `dilation` `=` `[` $dilation `]` `>`
  }];
  let genVerifyDecl = 1;
}

def Cascade_BlockSparseMask : Cascade_Mask<"BlockSparseMask", "block_sparse"> {
  let summary = "constant block table: a (query block, key block) is kept or not";
  let description = [{
    `#cascade.block_sparse<block = [64, 64], table = dense<...> : tensor<NxMxi1>>`
    keeps (q, k) when `table[q / 64][k / 64]` is non-zero. The table must have
    ceil(numQueries / bq) x ceil(numKeys / bk) entries.
  }];
  let parameters = (ins "int64_t":$blockQ, "int64_t":$blockK,
                        "::mlir::DenseIntElementsAttr":$table);
  let assemblyFormat = [{
    `<` `block` `=` `[` $blockQ `,` $blockK `]` `,` `table` `=` $table `>`
  }];
  let genVerifyDecl = 1;
}

def Cascade_DynamicBlockSparseMask : Cascade_Mask<"DynamicBlockSparseMask",
                                                  "dynamic_block_sparse", []> {
  let summary = "content-based block sparsity from a runtime block-index tensor";
  let description = [{
    `#cascade.dynamic_block_sparse<block = [64, 64]>` reads one runtime integer
    tensor of shape [ceil(numQueries / bq), n]: row i lists the key blocks that
    query block i attends to (MoBA, BiFormer, MInference-style routing); -1
    entries are padding. Any other entry outside [0, ceil(numKeys / bk)) is a
    run-time error.
  }];
  let parameters = (ins "int64_t":$blockQ, "int64_t":$blockK);
  let assemblyFormat = "`<` `block` `=` `[` $blockQ `,` $blockK `]` `>`";
  let genVerifyDecl = 1;
}

def Cascade_AllOfMask : Cascade_Mask<"AllOfMask", "all_of"> {
  let summary = "intersection of masks";
  let description = [{
    `#cascade.all_of<[#cascade.causal, #cascade.document]>` keeps a point when
    every listed mask keeps it. Runtime operands are those of the listed masks,
    concatenated in order.
  }];
  let parameters = (ins "::mlir::ArrayAttr":$masks);
  let assemblyFormat = "`<` $masks `>`";
  let genVerifyDecl = 1;
}

#endif // CASCADE_ATTRS_TD
