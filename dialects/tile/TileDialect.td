//===- TileDialect.td - the target-neutral tile IR ---------*- tablegen -*-===//
//
// One block program per work item: bounded tile loads and stores, the
// cascade's einsums on tiles, loop-carried running state (scf.for) and block
// skipping (scf.if on the block classes). Tile sizes come from a target
// description.
//
//===----------------------------------------------------------------------===//

#ifndef CASCADE_TILE_DIALECT_TD
#define CASCADE_TILE_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/RegionKindInterface.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::cascade::tile";
  let summary = "Target-neutral block programs over tiles";
  let description = [{
    The `tile` dialect is the level between the cascades of Einsums and the
    targets. A `tile.program` runs its body once per point of a grid of work
    items (a GPU thread block, a CPU task, a spatial-array PE group); the body
    sees the program's tensors as buffers, moves tiles in and out of them
    with bounded `tile.load` / `tile.store`, and computes on tiles with
    `cascade.einsum` (contractions, elementwise maps and reductions: the
    einsum is the compute op at every granularity, with an `origin` saying
    where the tile sits). Running state is loop-carried through `scf.for`,
    block skipping is `scf.if` on the block classes read with `memref.load`.

    Tile sizes are chosen from a target description, `#tile.target<...>`,
    given to `cascade-form-tile-programs` as a module attribute
    (`tile.target`) or a `--target-desc` file.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::cascade::CascadeDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

def Tile_TargetAttr : AttrDef<Tile_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "what a target offers a block program";
  let description = [{
    The facts tile-size selection needs: `vector_bits` (SIMD or warp width
    in bits of data moved per instruction), `registers` (32-bit registers a
    work item may hold), `shared_memory` (bytes of fast memory per work item:
    GPU shared memory, a CPU core's L2 share, a PE array's buffer) and
    `matrix` (the matrix unit's [m, n, k], or [1, 1, 1] without one).

    ```mlir
    module attributes {tile.target = #tile.target<name = "h100",
        vector_bits = 1024, registers = 65536, shared_memory = 232448,
        matrix = [64, 64, 16]>} { ... }
    ```
  }];
  let parameters = (ins StringRefParameter<"target name">:$name,
                        "int64_t":$vector_bits, "int64_t":$registers,
                        "int64_t":$shared_memory,
                        ArrayRefParameter<"int64_t", "matrix unit m, n, k">:$matrix);
  let assemblyFormat = [{
    `<` `name` `=` $name `,` `vector_bits` `=` $vector_bits `,`
    `registers` `=` $registers `,` `shared_memory` `=` $shared_memory `,`
    `matrix` `=` `[` $matrix `]` `>`
  }];
  let genVerifyDecl = 1;
}

#endif // CASCADE_TILE_DIALECT_TD
