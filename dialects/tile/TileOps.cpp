//===- TileOps.cpp - tile IR op verifiers ---------------------------------===//

#include "cascade/Dialect/Tile.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace cascade;
using namespace cascade::tile;

#define GET_OP_CLASSES
#include "cascade/Dialect/TileOps.cpp.inc"

MemRefType ProgramOp::bufferType(Type tensorType) {
  auto tensor = cast<RankedTensorType>(tensorType);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

void ProgramOp::build(OpBuilder &builder, OperationState &state,
                      ArrayRef<int64_t> grid, ValueRange inputs,
                      ValueRange outputs) {
  build(builder, state, getAsIndexOpFoldResult(builder.getContext(), grid),
        ValueRange(), inputs, outputs);
}

void ProgramOp::build(OpBuilder &builder, OperationState &state,
                      ArrayRef<OpFoldResult> grid, ValueRange params,
                      ValueRange inputs, ValueRange outputs) {
  SmallVector<int64_t> staticGrid;
  SmallVector<Value> dynamicGrid;
  dispatchIndexOpFoldResults(grid, dynamicGrid, staticGrid);
  state.addAttribute(getStaticGridAttrName(state.name),
                     builder.getDenseI64ArrayAttr(staticGrid));
  state.addOperands(dynamicGrid);
  state.addOperands(params);
  state.addOperands(inputs);
  state.addOperands(outputs);
  state.getOrAddProperties<Properties>().operandSegmentSizes = {
      static_cast<int32_t>(dynamicGrid.size()),
      static_cast<int32_t>(params.size()), static_cast<int32_t>(inputs.size()),
      static_cast<int32_t>(outputs.size())};
  state.addTypes(outputs.getTypes());
  Region *region = state.addRegion();
  Block *block = new Block();
  region->push_back(block);
  for (size_t i = 0; i < grid.size() + params.size(); ++i)
    block->addArgument(builder.getIndexType(), state.location);
  for (Value v : llvm::concat<Value>(inputs, outputs))
    block->addArgument(bufferType(v.getType()), state.location);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(block);
  EndOp::create(builder, state.location);
}

SmallVector<OpFoldResult> ProgramOp::getMixedGrid() {
  Builder b(getContext());
  return getMixedValues(getStaticGrid(), getDynamicGrid(), b);
}

BlockArgument ProgramOp::getOrAddParam(Value value) {
  for (auto [param, arg] : llvm::zip(getParams(), getParamArgs()))
    if (param == value)
      return arg;
  unsigned position = getStaticGrid().size() + getParams().size();
  getParamsMutable().append(value);
  return getBody().front().insertArgument(position, value.getType(),
                                          value.getLoc());
}

LogicalResult ProgramOp::verify() {
  if (failed(verifyListOfOperandsOrIntegers(*this, "grid",
                                            getStaticGrid().size(),
                                            getStaticGrid(), getDynamicGrid())))
    return failure();
  for (auto [d, n] : llvm::enumerate(getStaticGrid()))
    if (!ShapedType::isDynamic(n) && n < 1)
      return emitOpError() << "grid dimension " << d << " is " << n
                           << "; every dimension needs at least one work item";
  // A program only writes its outputs (it is Pure): without one it would
  // be dead code, and the assembly format could not print it.
  if (getOutputs().empty())
    return emitOpError() << "needs at least one output; a program without "
                            "outputs has no effect";
  if (getResults().size() != getOutputs().size())
    return emitOpError() << "has " << getResults().size() << " results for "
                         << getOutputs().size() << " outputs";
  for (auto [i, pair] :
       llvm::enumerate(llvm::zip(getResults().getTypes(),
                                 getOutputs().getTypes())))
    if (std::get<0>(pair) != std::get<1>(pair))
      return emitOpError() << "result #" << i << " has type "
                           << std::get<0>(pair) << " but output #" << i
                           << " has type " << std::get<1>(pair);
  return success();
}

LogicalResult ProgramOp::verifyRegions() {
  Block &block = getBody().front();
  size_t grid = getStaticGrid().size() + getParams().size();
  size_t expected = grid + getInputs().size() + getOutputs().size();
  if (block.getNumArguments() != expected)
    return emitOpError() << "body has " << block.getNumArguments()
                         << " arguments, expected " << expected << " ("
                         << getStaticGrid().size() << " work-item ids, "
                         << getParams().size()
                         << " parameters, one buffer per input and output)";
  for (size_t i = 0; i < grid; ++i)
    if (!block.getArgument(i).getType().isIndex())
      return emitOpError() << "body argument #" << i << " ("
                           << (i < getStaticGrid().size() ? "a work-item id"
                                                          : "a parameter")
                           << ") must be an index";
  for (auto [i, v] :
       llvm::enumerate(llvm::concat<Value>(getInputs(), getOutputs()))) {
    Type arg = block.getArgument(grid + i).getType();
    if (arg != bufferType(v.getType()))
      return emitOpError() << "body argument #" << grid + i << " has type "
                           << arg << ", expected " << bufferType(v.getType())
                           << " (the buffer of operand #" << i << ")";
  }
  return success();
}

/// Offsets must index every dimension; the tile must be a ranked tensor of
/// the buffer's rank and element type.
static LogicalResult verifyTileAccess(Operation *op, MemRefType buffer,
                                      Type tileType, size_t numOffsets,
                                      size_t numBounds) {
  auto tile = cast<RankedTensorType>(tileType);
  if (static_cast<int64_t>(numOffsets) != buffer.getRank())
    return op->emitOpError() << "takes one offset per buffer dimension ("
                             << buffer.getRank() << "), got " << numOffsets;
  if (numBounds && static_cast<int64_t>(numBounds) != buffer.getRank())
    return op->emitOpError() << "takes no bounds or one per buffer dimension ("
                             << buffer.getRank() << "), got " << numBounds;
  if (tile.getRank() != buffer.getRank())
    return op->emitOpError() << "tile rank " << tile.getRank()
                             << " differs from the buffer rank "
                             << buffer.getRank();
  if (!tile.hasStaticShape())
    return op->emitOpError() << "tile " << tile << " needs a static shape";
  if (tile.getElementType() != buffer.getElementType())
    return op->emitOpError() << "tile element type " << tile.getElementType()
                             << " differs from the buffer's "
                             << buffer.getElementType();
  return success();
}

LogicalResult LoadOp::verify() {
  return verifyTileAccess(*this, getSource().getType(), getResult().getType(),
                          getOffsets().size(), getBounds().size());
}

LogicalResult StoreOp::verify() {
  return verifyTileAccess(*this, getDest().getType(), getValue().getType(),
                          getOffsets().size(), getBounds().size());
}
