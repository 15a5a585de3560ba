//===- Tile.h - the target-neutral tile IR --------------------*- C++ -*-===//

#ifndef CASCADE_DIALECT_TILE_H
#define CASCADE_DIALECT_TILE_H

#include "cascade/Dialect/Cascade.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

// clang-format off
#include "cascade/Dialect/TileDialect.h.inc"
// clang-format on

#define GET_ATTRDEF_CLASSES
#include "cascade/Dialect/TileAttrs.h.inc"

#define GET_OP_CLASSES
#include "cascade/Dialect/TileOps.h.inc"

#endif // CASCADE_DIALECT_TILE_H
