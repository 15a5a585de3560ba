//===- TileOps.td - tile IR ops ----------------------------*- tablegen -*-===//

#ifndef CASCADE_TILE_OPS_TD
#define CASCADE_TILE_OPS_TD

include "TileDialect.td"

def Tile_ProgramOp : Tile_Op<"program", [
    AttrSizedOperandSegments, IsolatedFromAbove,
    SingleBlockImplicitTerminator<"EndOp">, Pure]> {
  let summary = "a block program run once per work item of a grid";
  let description = [{
    Seen from outside, a program is a pure function of its tensors.
    The body runs once for every point of `grid` (work items are
    independent and may run in any order or in parallel; `grid([])` is one
    work item, e.g. a sequential scan). A grid dimension is a constant or,
    for run-time lengths, an `index` value (`grid([%blocks, 4])`; zero work
    items at run time leave the outputs as `outs`). Its block takes
    one `index` per grid dimension (the work item's coordinates), then one
    `index` per value of `params` (run-time sizes the body needs: a loop's
    trip count, a mask's extent), then one memref per input and per output,
    of the same shapes and element types:
    the program reads its inputs and writes its outputs through them with
    `tile.load` and `tile.store`. Outputs start with the values of `outs`;
    the results are the outputs after every work item ran. A program has
    at least one output (without one it has no effect). Work items must
    write disjoint elements; a work item may read back (`tile.load` from an
    output buffer) elements only it writes.

    ```mlir
    %r = tile.program grid([2, 4]) ins(%x : tensor<2x256xf32>)
           outs(%init : tensor<2x256xf32>) {
    ^bb0(%i: index, %j: index, %X: memref<2x256xf32>, %Y: memref<2x256xf32>):
      %c64 = arith.constant 64 : index
      %col = arith.muli %j, %c64 : index
      %t = tile.load %X[%i, %col] : memref<2x256xf32> -> tensor<1x64xf32>
      tile.store %t, %Y[%i, %col] : tensor<1x64xf32> -> memref<2x256xf32>
    } -> tensor<2x256xf32>
    ```

    With a run-time number of rows:

    ```mlir
    %r = tile.program grid([%tiles]) params(%rows) ins(%x : tensor<?x64xf32>)
           outs(%init : tensor<?x64xf32>) {
    ^bb0(%i: index, %n: index, %X: memref<?x64xf32>, %Y: memref<?x64xf32>):
      %c16 = arith.constant 16 : index
      %row = arith.muli %i, %c16 : index
      %t = tile.load %X[%row, %c0] : memref<?x64xf32> -> tensor<16x64xf32>
      tile.store %t, %Y[%row, %c0] : tensor<16x64xf32> -> memref<?x64xf32>
    } -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Variadic<Index>:$dynamic_grid,
                       DenseI64ArrayAttr:$static_grid,
                       Variadic<Index>:$params,
                       Variadic<AnyRankedTensor>:$inputs,
                       Variadic<AnyRankedTensor>:$outputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `grid` `(` custom<DynamicIndexList>($dynamic_grid, $static_grid) `)`
    (`params` `(` $params^ `)`)? (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)` $body attr-dict
    `->` type($results)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let skipDefaultBuilders = 1;
  let builders = [
    OpBuilder<(ins "::llvm::ArrayRef<int64_t>":$grid,
                   "::mlir::ValueRange":$inputs,
                   "::mlir::ValueRange":$outputs)>,
    OpBuilder<(ins "::llvm::ArrayRef<::mlir::OpFoldResult>":$grid,
                   "::mlir::ValueRange":$params,
                   "::mlir::ValueRange":$inputs,
                   "::mlir::ValueRange":$outputs)>
  ];
  let extraClassDeclaration = [{
    /// The grid's dimensions: constants and run-time values.
    ::llvm::SmallVector<::mlir::OpFoldResult> getMixedGrid();
    /// Work-item coordinates, parameters, input buffers and output buffers
    /// of the body.
    ::mlir::Block::BlockArgListType getWorkItemIds() {
      return getBody().front().getArguments().take_front(
          getStaticGrid().size());
    }
    ::mlir::Block::BlockArgListType getParamArgs() {
      return getBody().front().getArguments().slice(getStaticGrid().size(),
                                                    getParams().size());
    }
    ::mlir::Block::BlockArgListType getInputBuffers() {
      return getBody().front().getArguments().slice(
          getStaticGrid().size() + getParams().size(), getInputs().size());
    }
    /// `value` (an index defined outside) as a parameter of the body: its
    /// block argument, added when it is not one yet.
    ::mlir::BlockArgument getOrAddParam(::mlir::Value value);
    ::mlir::Block::BlockArgListType getOutputBuffers() {
      return getBody().front().getArguments().take_back(getOutputs().size());
    }
    /// The memref type a body sees for a tensor operand.
    static ::mlir::MemRefType bufferType(::mlir::Type tensorType);
  }];
}

def Tile_EndOp : Tile_Op<"end", [Pure, Terminator, HasParent<"ProgramOp">]> {
  let summary = "ends a block program";
  let assemblyFormat = "attr-dict";
}

def Tile_LoadOp : Tile_Op<"load", [AttrSizedOperandSegments]> {
  let summary = "a tile of a buffer, padded past its bounds";
  let description = [{
    The tile of the result's shape whose first element is at `offsets`
    (one per dimension). Elements past the buffer's bounds read `pad`
    (default 0): the last, partial tiles of a rank need no special code.

    `bounds`, when given (one per dimension), end the readable part of each
    dimension before the buffer does: elements at or past a bound read `pad`
    too. A program over data-dependent segments (the rows of one expert in
    a grouped contraction) reads its segment this way. A bound beyond the
    buffer's size reads as that size.

    ```mlir
    %t = tile.load %X[%row, %c0] bounds [%segment_end, %c128] pad(0.0)
           : memref<512x128xf32> -> tensor<64x128xf32>
    ```
  }];
  let arguments = (ins Arg<AnyMemRef, "", [MemRead]>:$source, Variadic<Index>:$offsets,
                       Variadic<Index>:$bounds, OptionalAttr<F64Attr>:$pad);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $source `[` $offsets `]` (`bounds` `[` $bounds^ `]`)?
    (`pad` `(` $pad^ `)`)? attr-dict `:` type($source) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_StoreOp : Tile_Op<"store", [AttrSizedOperandSegments]> {
  let summary = "writes a tile into a buffer, dropping what is out of bounds";
  let description = [{
    Writes `value` with its first element at `offsets`; elements past the
    buffer's bounds are not written, nor, when `bounds` are given (one per
    dimension), elements at or past a bound.
  }];
  let arguments = (ins AnyRankedTensor:$value,
                       Arg<AnyMemRef, "", [MemWrite]>:$dest,
                       Variadic<Index>:$offsets, Variadic<Index>:$bounds);
  let assemblyFormat = [{
    $value `,` $dest `[` $offsets `]` (`bounds` `[` $bounds^ `]`)? attr-dict
    `:` type($value) `->` type($dest)
  }];
  let hasVerifier = 1;
}

#endif // CASCADE_TILE_OPS_TD
