//===- CascadeOps.cpp - op verifiers and helpers --------------------------===//

#include "cascade/Dialect/Cascade.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace cascade;

// `mask_extent([P, %m])`, absent when the einsum has no extent.
static ParseResult
parseMaskExtent(OpAsmParser &parser,
                SmallVectorImpl<OpAsmParser::UnresolvedOperand> &sizes,
                DenseI64ArrayAttr &extent) {
  if (failed(parser.parseOptionalKeyword("mask_extent")))
    return success();
  return failure(parser.parseLParen() ||
                 parseDynamicIndexList(parser, sizes, extent) ||
                 parser.parseRParen());
}

static void printMaskExtent(OpAsmPrinter &printer, Operation *op,
                            OperandRange sizes, DenseI64ArrayAttr extent) {
  if (!extent)
    return;
  printer << "mask_extent(";
  printDynamicIndexList(printer, op, sizes, extent.asArrayRef());
  printer << ")";
}

#define GET_OP_CLASSES
#include "cascade/Dialect/CascadeOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

static bool sameSize(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

static std::string sizeStr(int64_t size) {
  return ShapedType::isDynamic(size) ? std::string("?") : std::to_string(size);
}

/// Checks `type` against an expected shape; `dimNames` names each dimension
/// in the message ("dimension 2 (keys) of 'value' is 10, expected 16").
static LogicalResult expectShape(Operation *op, StringRef what, Type type,
                                 ArrayRef<int64_t> expected,
                                 ArrayRef<StringRef> dimNames = {}) {
  auto tensor = cast<RankedTensorType>(type);
  if (tensor.getRank() != static_cast<int64_t>(expected.size()))
    return op->emitOpError() << "'" << what << "' must have rank "
                             << expected.size() << ", got " << type;
  for (auto [d, pair] :
       llvm::enumerate(llvm::zip(tensor.getShape(), expected))) {
    auto [actual, want] = pair;
    if (sameSize(actual, want))
      continue;
    auto diag = op->emitOpError() << "dimension " << d;
    if (d < dimNames.size())
      diag << " (" << dimNames[d] << ")";
    return diag << " of '" << what << "' is " << sizeStr(actual)
                << ", expected " << sizeStr(want);
  }
  return success();
}

static bool isIntegerTensor(Type type) {
  return cast<RankedTensorType>(type).getElementType().isSignlessInteger();
}

static LogicalResult expectIntegerTensor(Operation *op, StringRef what,
                                         Type type) {
  if (isIntegerTensor(type))
    return success();
  return op->emitOpError() << "'" << what
                           << "' must be a tensor of integers, got " << type;
}

static LogicalResult expectSameElementType(Operation *op, StringRef what,
                                           Type type, Type expected) {
  Type actual = cast<RankedTensorType>(type).getElementType();
  if (actual == expected)
    return success();
  return op->emitOpError() << "element type of '" << what << "' is " << actual
                           << ", expected " << expected;
}

static LogicalResult verifyMask(Operation *op, MaskAttrInterface mask,
                                int64_t numQueries, int64_t numKeys,
                                TypeRange maskArgTypes) {
  if (!mask) {
    if (!maskArgTypes.empty())
      return op->emitOpError() << "mask_args given without a mask";
    return success();
  }
  // Runtime-operand masks tolerate unknown sizes; static masks need them.
  if ((ShapedType::isDynamic(numQueries) || ShapedType::isDynamic(numKeys)) &&
      mask.getNumRuntimeOperands() == 0)
    return success();
  return mask.verifyShapes([&] { return op->emitOpError(); }, numQueries,
                           numKeys, maskArgTypes);
}

/// A block-class table: 2-D i8 with one entry per block of the extent.
static LogicalResult verifyClassTable(Operation *op, Type type,
                                      ArrayRef<int64_t> block, int64_t queries,
                                      int64_t keys) {
  if (block.size() != 2 || block[0] < 1 || block[1] < 1)
    return op->emitOpError()
           << "block sizes must be two positive numbers [queries, keys]";
  auto tensor = cast<RankedTensorType>(type);
  if (!tensor.getElementType().isInteger(8))
    return op->emitOpError() << "block classes must be i8, got " << type;
  return expectShape(op, "block classes", type,
                     ClassifyBlocksOp::getTableShape({queries, keys}, block),
                     {"query blocks", "key blocks"});
}

//===----------------------------------------------------------------------===//
// EinsumOp
//===----------------------------------------------------------------------===//

/// Parses "ab,cb->ac"; on failure fills `error`.
static FailureOr<EinsumOp::Indices> parseSpecImpl(StringRef spec,
                                                  std::string &error) {
  EinsumOp::Indices indices;
  size_t arrow = spec.find("->");
  if (arrow == StringRef::npos) {
    error = "has no '->'";
    return failure();
  }
  auto checkGroup = [&](StringRef group) -> bool {
    for (auto [i, c] : llvm::enumerate(group)) {
      if (!llvm::isAlpha(c)) {
        error = "has '" + std::string(1, c) + "', indices must be letters";
        return false;
      }
      if (group.take_front(i).contains(c)) {
        error = "repeats index '" + std::string(1, c) + "' in '" + group.str() +
                "' (diagonals are not supported)";
        return false;
      }
    }
    return true;
  };
  SmallVector<StringRef> groups;
  spec.take_front(arrow).split(groups, ',');
  for (StringRef group : groups) {
    if (!checkGroup(group))
      return failure();
    indices.inputs.push_back(group.str());
  }
  StringRef result = spec.drop_front(arrow + 2);
  if (!checkGroup(result))
    return failure();
  indices.result = result.str();
  return indices;
}

FailureOr<EinsumOp::Indices> EinsumOp::parseSpec(StringRef spec) {
  std::string error;
  return parseSpecImpl(spec, error);
}

EinsumOp::Indices EinsumOp::getIndices() { return *parseSpec(getSpec()); }

std::optional<std::pair<unsigned, int64_t>>
EinsumOp::getSizeSource(int64_t resultDim) {
  Indices idx = getIndices();
  char c = idx.result[resultDim];
  if (c == getIterativeIndex())
    return std::nullopt;
  for (auto [i, letters] : llvm::enumerate(idx.inputs))
    if (size_t p = letters.find(c); p != std::string::npos)
      return std::make_pair(static_cast<unsigned>(i), static_cast<int64_t>(p));
  return std::nullopt;
}

std::string EinsumOp::getReducedIndices() {
  Indices indices = getIndices();
  std::string reduced;
  for (const std::string &input : indices.inputs)
    for (char c : input)
      if (!llvm::is_contained(indices.result, c) &&
          !llvm::is_contained(reduced, c))
        reduced.push_back(c);
  return reduced;
}

void EinsumOp::build(OpBuilder &builder, OperationState &state, Type resultType,
                     StringRef spec, ValueRange inputs,
                     std::optional<MapKind> map,
                     std::optional<ReduceKind> reduce) {
  state.addTypes(resultType);
  state.addOperands(inputs);
  Properties &props = state.getOrAddProperties<Properties>();
  props.spec = builder.getStringAttr(spec);
  if (map)
    props.map = MapKindAttr::get(builder.getContext(), *map);
  if (reduce)
    props.reduce = ReduceKindAttr::get(builder.getContext(), *reduce);
  props.operandSegmentSizes = {static_cast<int32_t>(inputs.size()), 0, 0, 0,
                               0, 0};
  state.addRegion();
}

Block &EinsumOp::addMapBlock(OpBuilder &builder) {
  Region &region = getBody();
  Block *block = new Block();
  region.push_back(block);
  if (getIterate())
    block->addArgument(
        cast<RankedTensorType>(getResult().getType()).getElementType(),
        getLoc());
  for (Value input : getInputs())
    block->addArgument(cast<RankedTensorType>(input.getType()).getElementType(),
                       getLoc());
  builder.setInsertionPointToStart(block);
  return *block;
}

LogicalResult EinsumOp::verify() {
  std::string error;
  FailureOr<Indices> parsed = parseSpecImpl(getSpec(), error);
  if (failed(parsed))
    return emitOpError() << "spec '" << getSpec() << "' " << error;
  Indices &indices = *parsed;
  if (indices.inputs.size() != getInputs().size())
    return emitOpError() << "spec '" << getSpec() << "' names "
                         << indices.inputs.size() << " inputs but the op has "
                         << getInputs().size();

  // One size per index, taken from the first input that has it.
  llvm::DenseMap<char, std::pair<int64_t, unsigned>> sizes;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    auto type = cast<RankedTensorType>(input.getType());
    const std::string &names = indices.inputs[i];
    if (type.getRank() != static_cast<int64_t>(names.size()))
      return emitOpError() << "input #" << i << " has rank " << type.getRank()
                           << " but the spec gives it " << names.size()
                           << " indices '" << names << "'";
    for (auto [d, c] : llvm::enumerate(names)) {
      int64_t size = type.getDimSize(d);
      auto [it, inserted] = sizes.try_emplace(c, size, i);
      if (inserted)
        continue;
      if (!sameSize(it->second.first, size))
        return emitOpError()
               << "index '" << c << "' has size " << sizeStr(size)
               << " in input #" << i << " but " << sizeStr(it->second.first)
               << " in input #" << it->second.second;
      if (ShapedType::isDynamic(it->second.first))
        it->second.first = size;
    }
  }

  auto resultType = cast<RankedTensorType>(getResult().getType());
  if (resultType.getRank() != static_cast<int64_t>(indices.result.size()))
    return emitOpError() << "result has rank " << resultType.getRank()
                         << " but the spec gives it " << indices.result.size()
                         << " indices '" << indices.result << "'";
  char iterative =
      getIterate() && getIterate()->size() == 1 ? (*getIterate())[0] : 0;
  if (getIterate() && !iterative)
    return emitOpError() << "iterate names one index, got '" << *getIterate()
                         << "'";
  for (auto [d, c] : llvm::enumerate(indices.result)) {
    auto it = sizes.find(c);
    if (it == sizes.end())
      return emitOpError() << "result index '" << c << "' appears in no input";
    // The iterative rank holds the initial state plus one entry per step.
    int64_t expected = it->second.first;
    if (c == iterative && !ShapedType::isDynamic(expected))
      ++expected;
    if (!sameSize(resultType.getDimSize(d), expected))
      return emitOpError() << "result dimension " << d << " (index '" << c
                           << "') has size "
                           << sizeStr(resultType.getDimSize(d)) << ", expected "
                           << sizeStr(expected)
                           << (c == iterative ? " (steps + 1)" : "");
  }
  if (iterative) {
    if (!llvm::is_contained(indices.result, iterative))
      return emitOpError() << "iterative index '" << iterative
                           << "' must be an index of the result";
    if (!getInit())
      return emitOpError() << "an iterative einsum needs an init state";
    SmallVector<int64_t> stateShape;
    for (auto [d, c] : llvm::enumerate(indices.result))
      if (c != iterative)
        stateShape.push_back(resultType.getDimSize(d));
    if (failed(expectShape(getOperation(), "init", getInit().getType(),
                           stateShape)) ||
        failed(expectSameElementType(getOperation(), "init",
                                     getInit().getType(),
                                     resultType.getElementType())))
      return failure();
    if (getBody().empty())
      return emitOpError() << "an iterative einsum needs a map region taking "
                              "the previous state first";
    if (getMask())
      return emitOpError() << "an iterative einsum cannot have a mask";
  } else if (getInit()) {
    return emitOpError() << "init given without an iterative index";
  }

  std::string reduced = getReducedIndices();
  std::optional<ReduceKind> reduce = getReduce();
  bool reduces = reduce && *reduce != ReduceKind::none;
  if (iterative && (reduces || !reduced.empty()))
    return emitOpError() << "an iterative einsum cannot reduce";
  if (!reduced.empty() && !reduces)
    return emitOpError() << "indices '" << reduced
                         << "' are absent from the result, so a reduce "
                            "operator (add, max or min) is required";
  if (reduced.empty() && reduces)
    return emitOpError() << "reduce(" << stringifyReduceKind(*reduce)
                         << ") given but every index appears in the result";

  bool hasRegion = !getBody().empty();
  if (hasRegion && getMap())
    return emitOpError() << "map(" << stringifyMapKind(*getMap())
                         << ") and a map region are exclusive";
  if (getMap() && getInputs().size() != 2)
    return emitOpError() << "map(" << stringifyMapKind(*getMap())
                         << ") combines exactly 2 inputs, got "
                         << getInputs().size();
  if (!hasRegion && !getMap() && getInputs().size() != 1)
    return emitOpError() << getInputs().size()
                         << " inputs need a map operator or a map region";
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";

  // A tile's origin: one offset per named index.
  StringRef origin = getOrigin().value_or("");
  if (origin.size() != getOriginOffsets().size())
    return emitOpError() << "origin names " << origin.size()
                         << " indices but has " << getOriginOffsets().size()
                         << " offsets";
  for (auto [i, c] : llvm::enumerate(origin)) {
    // Spec indices are letters; checking that first keeps arbitrary bytes
    // (e.g. the map's reserved empty key) away from the lookup.
    if (!llvm::isAlpha(c) || !sizes.count(c))
      return emitOpError() << "origin index '" << c
                           << "' is not an index of the einsum";
    if (origin.find(c) != i)
      return emitOpError() << "origin index '" << c << "' is given twice";
  }
  if (!origin.empty() && iterative)
    return emitOpError() << "an iterative einsum cannot be a tile with an "
                            "origin (tile programs carry the state in loops)";

  if (!getMask()) {
    if (!getMaskOrigin().empty())
      return emitOpError() << "mask_origin given without a mask";
    if (getMaskQuery() || getMaskKey() || getMaskExtent() ||
        getBlockClasses() || getClassBlock())
      return emitOpError()
             << "mask indices, extent or block classes given without a mask";
    if (getFill())
      return emitOpError() << "fill given without a mask";
    return verifyMask(getOperation(), nullptr, 0, 0, getMaskArgs().getTypes());
  }
  if (!getMaskQuery() || !getMaskKey())
    return emitOpError() << "a mask needs 'on \"q\", \"k\"': the query and "
                            "key indices";
  // Each side is a group of indices read row-major (a partitioned rank).
  int64_t groupSizes[2];
  StringRef groups[2] = {*getMaskQuery(), *getMaskKey()};
  for (int side = 0; side < 2; ++side) {
    if (groups[side].empty())
      return emitOpError() << "empty mask index group";
    groupSizes[side] = 1;
    for (char c : groups[side]) {
      if (!llvm::isAlpha(c) || !sizes.count(c))
        return emitOpError()
               << "mask index '" << c << "' is not an index of the einsum";
      if (groups[1 - side].contains(c) || groups[side].count(c) > 1)
        return emitOpError() << "mask index '" << c
                             << "' is used twice; query and key indices "
                                "must differ";
      int64_t size = sizes[c].first;
      groupSizes[side] =
          ShapedType::isDynamic(size) || ShapedType::isDynamic(groupSizes[side])
              ? ShapedType::kDynamic
              : groupSizes[side] * size;
    }
  }
  bool isTile = !getMaskOrigin().empty();
  if (isTile) {
    if (getMaskOrigin().size() != 2)
      return emitOpError() << "mask_origin takes the query and key "
                              "coordinates, got "
                           << getMaskOrigin().size() << " values";
    if (!getMaskExtent())
      return emitOpError() << "a masked tile (an einsum with a mask_origin) "
                              "needs mask_extent";
    if (getBlockClasses())
      return emitOpError() << "block classes describe a whole einsum, not a "
                              "tile with a mask_origin";
  }
  if (!getMaskExtent() && !getMaskExtentSizes().empty())
    return emitOpError() << "mask_extent sizes given without a mask_extent";
  if (std::optional<ArrayRef<int64_t>> extent = getMaskExtent()) {
    if (extent->size() != 2)
      return emitOpError() << "mask_extent takes [queries, keys], got "
                           << extent->size() << " values";
    if (failed(verifyListOfOperandsOrIntegers(getOperation(), "mask_extent", 2,
                                              *extent, getMaskExtentSizes())))
      return failure();
    for (int side = 0; side < 2; ++side) {
      int64_t e = (*extent)[side];
      if (ShapedType::isDynamic(e)) {
        groupSizes[side] = e;
        continue;
      }
      // A tile is a window into the logical extent, which may be larger.
      if (e < 0 || (!isTile && !ShapedType::isDynamic(groupSizes[side]) &&
                    e > groupSizes[side]))
        return emitOpError()
               << "mask_extent " << (side ? "keys" : "queries") << " = " << e
               << " is outside [0, " << sizeStr(groupSizes[side])
               << "], the size of '" << groups[side] << "'";
      groupSizes[side] = e;
    }
  }
  if (getFill() && reduces)
    return emitOpError() << "fill is unused when masked points are reduced";
  if (static_cast<bool>(getBlockClasses()) !=
      static_cast<bool>(getClassBlock()))
    return emitOpError() << "block classes and their block size go together";
  if (Value classes = getBlockClasses())
    if (failed(verifyClassTable(getOperation(), classes.getType(),
                                *getClassBlock(), groupSizes[0],
                                groupSizes[1])))
      return failure();
  return verifyMask(getOperation(), *getMask(), groupSizes[0], groupSizes[1],
                    getMaskArgs().getTypes());
}

LogicalResult EinsumOp::verifyRegions() {
  if (getBody().empty())
    return success();
  if (!getBody().hasOneBlock())
    return emitOpError() << "map region must have one block";
  Block &block = getBody().front();
  Type resultElement =
      cast<RankedTensorType>(getResult().getType()).getElementType();
  unsigned numState = getIterate() ? 1 : 0;
  if (block.getNumArguments() != getInputs().size() + numState)
    return emitOpError() << "map region has " << block.getNumArguments()
                         << " arguments, expected "
                         << (numState ? "the previous state and " : "")
                         << "one per input (" << getInputs().size() << ")";
  if (numState && block.getArgument(0).getType() != resultElement)
    return emitOpError() << "map region argument #0 (the previous state) has "
                            "type "
                         << block.getArgument(0).getType() << ", expected "
                         << resultElement;
  for (auto [i, pair] : llvm::enumerate(
           llvm::zip(block.getArguments().drop_front(numState), getInputs()))) {
    auto [arg, input] = pair;
    Type expected = cast<RankedTensorType>(input.getType()).getElementType();
    if (arg.getType() != expected)
      return emitOpError() << "map region argument #" << i + numState
                           << " has type " << arg.getType() << ", expected "
                           << expected << " (element type of input #" << i
                           << ")";
  }
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield)
    return emitOpError() << "map region must end with cascade.yield";
  if (yield.getValues().size() != 1 ||
      yield.getValues()[0].getType() != resultElement)
    return yield.emitOpError()
           << "must yield one value of the result element type "
           << resultElement;
  return success();
}

LogicalResult CoordOp::verify() {
  auto einsum = cast<EinsumOp>((*this)->getParentOp());
  FailureOr<EinsumOp::Indices> indices = EinsumOp::parseSpec(einsum.getSpec());
  if (failed(indices))
    return success(); // The parent reports the malformed spec.
  StringRef name = getName();
  bool known = name.size() == 1 &&
               (llvm::is_contained(indices->result, name[0]) ||
                llvm::any_of(indices->inputs, [&](const std::string &in) {
                  return llvm::is_contained(in, name[0]);
                }));
  if (!known)
    return emitOpError() << "'" << name << "' is not an index of the einsum '"
                         << einsum.getSpec() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// ClassifyBlocksOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t, 2>
ClassifyBlocksOp::getTableShape(ArrayRef<int64_t> extent,
                                ArrayRef<int64_t> block) {
  SmallVector<int64_t, 2> shape;
  for (auto [n, b] : llvm::zip_equal(extent, block))
    shape.push_back(ShapedType::isDynamic(n) ? n : (n + b - 1) / b);
  return shape;
}

LogicalResult ClassifyBlocksOp::verify() {
  ArrayRef<int64_t> extent = getExtent();
  if (extent.size() != 2 || llvm::any_of(extent, [](int64_t e) {
        return e < 0 && !ShapedType::isDynamic(e);
      }))
    return emitOpError() << "extent must be [queries, keys]";
  if (failed(verifyListOfOperandsOrIntegers(*this, "extent", 2, extent,
                                            getDynamicExtent())))
    return failure();
  if (failed(verifyClassTable(*this, getClasses().getType(), getBlock(),
                              extent[0], extent[1])))
    return failure();
  return verifyMask(*this, getMask(), extent[0], extent[1],
                    getMaskArgs().getTypes());
}

OpFoldResult ClassifyBlocksOp::fold(FoldAdaptor) {
  MaskAttrInterface mask = getMask();
  auto type = cast<RankedTensorType>(getClasses().getType());
  if (mask.getNumRuntimeOperands() != 0 || !type.hasStaticShape() ||
      !getDynamicExtent().empty())
    return {};
  int64_t queries = getExtent()[0], keys = getExtent()[1];
  int64_t bq = getBlock()[0], bk = getBlock()[1];
  SmallVector<int8_t> table;
  for (int64_t q = 0; q < queries; q += bq)
    for (int64_t k = 0; k < keys; k += bk)
      table.push_back(static_cast<int8_t>(
          mask.classifyBlock(q, std::min(q + bq, queries), k,
                             std::min(k + bk, keys), queries, keys)));
  return DenseElementsAttr::get(type, ArrayRef<int8_t>(table));
}

//===----------------------------------------------------------------------===//
// Routing primitives
//===----------------------------------------------------------------------===//

LogicalResult TopKOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  if (input.getRank() < 1)
    return emitOpError() << "'input' must have rank >= 1";
  int64_t n = input.getShape().back();
  int64_t k = int64_t(getK());
  if (k < 1)
    return emitOpError() << "k must be >= 1, got " << k;
  if (!ShapedType::isDynamic(n) && k > n)
    return emitOpError() << "k = " << k << " is larger than the size " << n
                         << " of the last dimension of 'input'";
  SmallVector<int64_t> shape(input.getShape());
  shape.back() = k;
  if (failed(expectShape(*this, "values", getValues().getType(), shape)) ||
      failed(expectShape(*this, "indices", getIndices().getType(), shape)) ||
      failed(expectSameElementType(*this, "values", getValues().getType(),
                                   input.getElementType())) ||
      failed(expectIntegerTensor(*this, "indices", getIndices().getType())))
    return failure();
  if (getNumGroups().has_value() != getGroupsKept().has_value())
    return emitOpError() << "groups needs both the number of groups and the "
                            "number of groups kept";
  if (!getNumGroups())
    return success();
  int64_t groups = int64_t(*getNumGroups()), kept = int64_t(*getGroupsKept());
  if (groups < 1 || (!ShapedType::isDynamic(n) && n % groups != 0))
    return emitOpError() << "the last dimension (" << sizeStr(n)
                         << ") must split into " << groups << " equal groups";
  if (kept < 1 || kept > groups)
    return emitOpError() << "groups kept must be in [1, " << groups << "], got "
                         << kept;
  if (!ShapedType::isDynamic(n) && k > kept * (n / groups))
    return emitOpError() << "k = " << k << " exceeds the "
                         << kept * (n / groups) << " candidates in the " << kept
                         << " groups kept";
  return success();
}

LogicalResult GatherOp::verify() {
  auto source = cast<RankedTensorType>(getSource().getType());
  auto indices = cast<RankedTensorType>(getIndices().getType());
  if (source.getRank() < 1)
    return emitOpError() << "'source' must have rank >= 1";
  if (failed(expectIntegerTensor(*this, "indices", indices)))
    return failure();
  if (int64_t(getDivisor()) < 1)
    return emitOpError() << "divisor must be >= 1, got "
                         << int64_t(getDivisor());
  SmallVector<int64_t> shape(indices.getShape());
  llvm::append_range(shape, source.getShape().drop_front());
  if (failed(expectShape(*this, "result", getResult().getType(), shape)))
    return failure();
  return expectSameElementType(*this, "result", getResult().getType(),
                               source.getElementType());
}

LogicalResult ScatterOp::verify() {
  auto source = cast<RankedTensorType>(getSource().getType());
  auto indices = cast<RankedTensorType>(getIndices().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  if (failed(expectIntegerTensor(*this, "indices", indices)))
    return failure();
  if (int64_t(getDivisor()) < 1)
    return emitOpError() << "divisor must be >= 1, got "
                         << int64_t(getDivisor());
  if (source.getRank() < indices.getRank())
    return emitOpError() << "'source' (rank " << source.getRank()
                         << ") must start with the shape of 'indices' (rank "
                         << indices.getRank() << ")";
  if (failed(expectShape(
          *this, "source leading dimensions",
          RankedTensorType::get(source.getShape().take_front(indices.getRank()),
                                source.getElementType()),
          indices.getShape())))
    return failure();
  if (Value weights = getWeights()) {
    if (failed(expectShape(*this, "weights", weights.getType(),
                           indices.getShape())))
      return failure();
    if (!cast<RankedTensorType>(weights.getType()).getElementType().isFloat())
      return emitOpError() << "'weights' must be floating point";
  }
  if (result.getRank() < 1)
    return emitOpError() << "'result' must have rank >= 1";
  if (result.isDynamicDim(0) != static_cast<bool>(getRows()))
    return emitOpError() << (getRows() ? "has 'rows' but a static number of "
                                         "result rows"
                                       : "needs 'rows' for a run-time number "
                                         "of result rows");
  SmallVector<int64_t> shape{result.getDimSize(0)};
  llvm::append_range(shape, source.getShape().drop_front(indices.getRank()));
  if (failed(expectShape(*this, "result", result, shape)))
    return failure();
  return expectSameElementType(*this, "result", result,
                               source.getElementType());
}

LogicalResult PermuteOp::verify() {
  auto keys = cast<RankedTensorType>(getKeys().getType());
  if (failed(expectIntegerTensor(*this, "keys", keys)) ||
      failed(expectIntegerTensor(*this, "perm", getPerm().getType())) ||
      failed(expectIntegerTensor(*this, "offsets", getOffsets().getType())))
    return failure();
  if (int64_t(getGroups()) < 1)
    return emitOpError() << "groups must be >= 1, got " << int64_t(getGroups());
  if (getCapacity() && int64_t(*getCapacity()) < 0)
    return emitOpError() << "capacity must be >= 0, got "
                         << int64_t(*getCapacity());
  int64_t slots =
      keys.hasStaticShape() ? keys.getNumElements() : ShapedType::kDynamic;
  if (failed(expectShape(*this, "perm", getPerm().getType(), {slots})))
    return failure();
  return expectShape(*this, "offsets", getOffsets().getType(),
                     {int64_t(getGroups()) + 1});
}

LogicalResult GroupedEinsumOp::verify() {
  std::string error;
  FailureOr<EinsumOp::Indices> parsed = parseSpecImpl(getSpec(), error);
  if (failed(parsed))
    return emitOpError() << "spec '" << getSpec() << "' " << error;
  EinsumOp::Indices &indices = *parsed;
  if (indices.inputs.size() != 2)
    return emitOpError() << "spec must name 2 inputs, got "
                         << indices.inputs.size();
  if (getWeights().empty())
    return emitOpError() << "needs at least one weight tensor";
  for (Value w : getWeights().drop_front())
    if (w.getType() != getWeights()[0].getType())
      return emitOpError() << "weights must share one type, got "
                           << getWeights()[0].getType() << " and "
                           << w.getType();
  if (getWeights().size() > 1 && getEpilogue().empty())
    return emitOpError() << getWeights().size()
                         << " weights need an epilogue region combining them";
  Value inputs[2] = {getLhs(), getWeights()[0]};
  llvm::DenseMap<char, int64_t> sizes;
  for (unsigned i = 0; i < 2; ++i) {
    auto type = cast<RankedTensorType>(inputs[i].getType());
    const std::string &names = indices.inputs[i];
    if (names.empty() || type.getRank() != static_cast<int64_t>(names.size()))
      return emitOpError() << (i ? "'rhs'" : "'lhs'") << " has rank "
                           << type.getRank() << " but the spec gives it "
                           << names.size() << " indices '" << names << "'";
    for (auto [d, c] : llvm::enumerate(names)) {
      auto [it, inserted] = sizes.try_emplace(c, type.getDimSize(d));
      if (!inserted && !sameSize(it->second, type.getDimSize(d)))
        return emitOpError()
               << "index '" << c << "' has size " << sizeStr(type.getDimSize(d))
               << " in " << (i ? "'rhs'" : "'lhs'") << " but "
               << sizeStr(it->second) << " in 'lhs'";
    }
  }
  char rowIndex = indices.inputs[0][0], groupIndex = indices.inputs[1][0];
  if (indices.result.empty() || indices.result[0] != rowIndex)
    return emitOpError() << "the segmented index '" << rowIndex
                         << "' (first of 'lhs') must lead the result";
  if (llvm::is_contained(indices.inputs[1], rowIndex))
    return emitOpError() << "the segmented index '" << rowIndex
                         << "' (first of 'lhs') must not appear in 'rhs': "
                            "each row meets its group's weights whole";
  if (llvm::is_contained(indices.inputs[0], groupIndex) ||
      llvm::is_contained(indices.result, groupIndex))
    return emitOpError() << "the group index '" << groupIndex
                         << "' (first of 'rhs') must appear only in 'rhs'";
  SmallVector<int64_t> shape;
  for (char c : indices.result) {
    if (!sizes.count(c))
      return emitOpError() << "result index '" << c << "' appears in no input";
    shape.push_back(sizes[c]);
  }
  if (failed(expectShape(*this, "result", getResult().getType(), shape)) ||
      failed(expectIntegerTensor(*this, "offsets", getOffsets().getType())))
    return failure();
  int64_t groups = sizes[groupIndex];
  return expectShape(*this, "offsets", getOffsets().getType(),
                     {ShapedType::isDynamic(groups) ? groups : groups + 1});
}

LogicalResult GroupedEinsumOp::verifyRegions() {
  if (getEpilogue().empty())
    return success();
  Block &block = getEpilogue().front();
  Type elt = cast<RankedTensorType>(getResult().getType()).getElementType();
  if (block.getNumArguments() != getWeights().size())
    return emitOpError() << "epilogue has " << block.getNumArguments()
                         << " arguments, expected one per weight ("
                         << getWeights().size() << ")";
  for (BlockArgument arg : block.getArguments())
    if (arg.getType() != elt)
      return emitOpError() << "epilogue arguments must have the result "
                              "element type "
                           << elt << ", got " << arg.getType();
  auto yield = dyn_cast<YieldOp>(block.getTerminator());
  if (!yield || yield.getValues().size() != 1 ||
      yield.getValues()[0].getType() != elt)
    return emitOpError() << "epilogue must yield one value of type " << elt;
  return success();
}

//===----------------------------------------------------------------------===//
// Composites
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  auto q = cast<RankedTensorType>(getQuery().getType());
  auto k = cast<RankedTensorType>(getKey().getType());
  auto v = cast<RankedTensorType>(getValue().getType());
  if (q.getRank() != 4)
    return emitOpError() << "'query' must have rank 4 [batch, heads, queries, "
                            "head_dim], got "
                         << q;
  int64_t b = q.getDimSize(0), h = q.getDimSize(1), p = q.getDimSize(2),
          d = q.getDimSize(3);
  if (k.getRank() != 4)
    return emitOpError() << "'key' must have rank 4 [batch, kv_heads, keys, "
                            "head_dim], got "
                         << k;
  int64_t hkv = k.getDimSize(1), m = k.getDimSize(2);
  if (failed(expectShape(*this, "key", k, {b, hkv, m, d},
                         {"batch", "kv_heads", "keys", "head_dim"})))
    return failure();
  if (v.getRank() != 4)
    return emitOpError() << "'value' must have rank 4 [batch, kv_heads, keys, "
                            "value_dim], got "
                         << v;
  int64_t f = v.getDimSize(3);
  if (failed(expectShape(*this, "value", v, {b, hkv, m, f},
                         {"batch", "kv_heads", "keys", "value_dim"})))
    return failure();
  if (!ShapedType::isDynamic(h) && !ShapedType::isDynamic(hkv) &&
      (hkv == 0 || h % hkv != 0))
    return emitOpError() << "query heads (" << h
                         << ") must be a multiple of key/value heads (" << hkv
                         << ")";
  if (!q.getElementType().isFloat())
    return emitOpError() << "'query' must be floating point, got " << q;
  if (failed(expectShape(*this, "output", getOutput().getType(), {b, h, p, f},
                         {"batch", "heads", "queries", "value_dim"})))
    return failure();
  if (Value lse = getLse())
    if (failed(expectShape(*this, "lse", lse.getType(), {b, h, p},
                           {"batch", "heads", "queries"})))
      return failure();
  if (Value bias = getBias()) {
    auto type = cast<RankedTensorType>(bias.getType());
    SmallVector<int64_t> full{b, h, p, m};
    SmallVector<StringRef> names{"batch", "heads", "queries", "keys"};
    if (type.getRank() < 2 || type.getRank() > 4)
      return emitOpError() << "'bias' must be [queries, keys], [heads, "
                              "queries, keys] or [batch, heads, queries, "
                              "keys], got "
                           << type;
    size_t drop = 4 - type.getRank();
    if (failed(expectShape(*this, "bias", type,
                           ArrayRef<int64_t>(full).drop_front(drop),
                           ArrayRef<StringRef>(names).drop_front(drop))))
      return failure();
  }
  if (getSoftcap() && !(getSoftcap()->convertToDouble() > 0))
    return emitOpError() << "softcap must be > 0";
  if (getScale() && !std::isfinite(getScale()->convertToDouble()))
    return emitOpError() << "scale must be finite";
  return verifyMask(*this, getMaskAttr(), p, m, getMaskArgs().getTypes());
}

LogicalResult MoeOp::verify() {
  auto x = cast<RankedTensorType>(getInput().getType());
  if (x.getRank() != 2)
    return emitOpError() << "'input' must be [tokens, hidden], got " << x;
  int64_t t = x.getDimSize(0), hd = x.getDimSize(1);
  auto router = cast<RankedTensorType>(getRouterWeight().getType());
  if (router.getRank() != 2)
    return emitOpError() << "'router_weight' must be [hidden, experts], got "
                         << router;
  int64_t e = router.getDimSize(1);
  if (failed(expectShape(*this, "router_weight", router, {hd, e},
                         {"hidden", "experts"})))
    return failure();
  if (int64_t(getK()) < 1)
    return emitOpError() << "k must be >= 1, got " << int64_t(getK());
  if (!ShapedType::isDynamic(e) && int64_t(getK()) > e)
    return emitOpError() << "k = " << int64_t(getK())
                         << " is larger than the number of experts " << e;
  bool sigmoid = getRouter() == RouterKind::sigmoid_bias;
  if (sigmoid != static_cast<bool>(getRouterBias()))
    return emitOpError() << "router_bias is required by, and only used by, "
                            "the sigmoid_bias router";
  if (Value bias = getRouterBias())
    if (failed(expectShape(*this, "router_bias", bias.getType(), {e},
                           {"experts"})))
      return failure();
  if (getNormalize() && getRouter() != RouterKind::softmax_topk)
    return emitOpError() << "normalize applies to the softmax_topk router only "
                            "(the others always normalise)";
  if (getNumGroups().has_value() != getGroupsKept().has_value())
    return emitOpError() << "num_groups and groups_kept go together";
  if (getNumGroups()) {
    if (!sigmoid)
      return emitOpError() << "group-limited routing needs the sigmoid_bias "
                              "router";
    int64_t groups = int64_t(*getNumGroups()), kept = int64_t(*getGroupsKept());
    if (groups < 1 || (!ShapedType::isDynamic(e) && e % groups != 0))
      return emitOpError() << "the " << sizeStr(e)
                           << " experts must split into " << groups
                           << " equal groups";
    if (kept < 1 || kept > groups)
      return emitOpError() << "groups_kept must be in [1, " << groups
                           << "], got " << kept;
    if (!ShapedType::isDynamic(e) && int64_t(getK()) > kept * (e / groups))
      return emitOpError() << "k = " << int64_t(getK()) << " exceeds the "
                           << kept * (e / groups)
                           << " experts in the groups kept";
  }
  if (getCapacityFactor() && !(getCapacityFactor()->convertToDouble() > 0))
    return emitOpError() << "capacity_factor must be > 0";

  unsigned perExpert = getNumWeightsPerExpert();
  StringRef act = stringifyActivation(getActivation());
  auto experts = getExpertWeights();
  if (experts.size() != perExpert)
    return emitOpError() << act << " experts take " << perExpert
                         << " weight tensors ("
                         << (perExpert == 3 ? "gate, up, down" : "up, down")
                         << "), got " << experts.size();
  auto down = cast<RankedTensorType>(experts.back().getType());
  if (down.getRank() != 3)
    return emitOpError() << "expert down weights must be [experts, "
                            "intermediate, hidden], got "
                         << down;
  int64_t inter = down.getDimSize(1);
  for (unsigned i = 0; i + 1 < perExpert; ++i)
    if (failed(expectShape(
            *this, perExpert == 3 && i == 0 ? "expert gate" : "expert up",
            experts[i].getType(), {e, hd, inter},
            {"experts", "hidden", "intermediate"})))
      return failure();
  if (failed(expectShape(*this, "expert down", down, {e, inter, hd},
                         {"experts", "intermediate", "hidden"})))
    return failure();

  auto shared = getSharedWeights();
  if (!shared.empty()) {
    if (shared.size() != perExpert)
      return emitOpError() << act << " shared experts take " << perExpert
                           << " weight matrices, got " << shared.size();
    auto sharedDown = cast<RankedTensorType>(shared.back().getType());
    if (sharedDown.getRank() != 2)
      return emitOpError() << "shared down weights must be [intermediate, "
                              "hidden], got "
                           << sharedDown;
    int64_t sInter = sharedDown.getDimSize(0);
    for (unsigned i = 0; i + 1 < perExpert; ++i)
      if (failed(expectShape(*this, "shared up/gate", shared[i].getType(),
                             {hd, sInter}, {"hidden", "intermediate"})))
        return failure();
    if (failed(expectShape(*this, "shared down", sharedDown, {sInter, hd},
                           {"intermediate", "hidden"})))
      return failure();
  }
  for (Value w : getOperands())
    if (w != getRouterBias() &&
        !cast<RankedTensorType>(w.getType()).getElementType().isFloat())
      return emitOpError() << "operands must be floating point, got "
                           << w.getType();
  return expectShape(*this, "output", getOutput().getType(), {t, hd},
                     {"tokens", "hidden"});
}

//===----------------------------------------------------------------------===//
// CheckIndicesOp
//===----------------------------------------------------------------------===//

LogicalResult CheckIndicesOp::verify() {
  if (!getInput().getType().getElementType().isSignlessInteger())
    return emitOpError() << "checks integer tensors, got "
                         << getInput().getType();
  // The accessors return the attributes' bits unsigned; the range is signed.
  auto lower = static_cast<int64_t>(getLower()),
       upper = static_cast<int64_t>(getUpper());
  if (lower >= upper)
    return emitOpError() << "range [" << lower << ", " << upper
                         << ") is empty";
  return success();
}

SmallVector<OpFoldResult> EinsumOp::getMixedMaskExtent() {
  std::optional<ArrayRef<int64_t>> extent = getMaskExtent();
  if (!extent)
    return {};
  return getMixedValues(*extent, getMaskExtentSizes(), getContext());
}

void EinsumOp::setMixedMaskExtent(ArrayRef<OpFoldResult> extent) {
  SmallVector<int64_t> statics;
  SmallVector<Value> dynamics;
  dispatchIndexOpFoldResults(extent, dynamics, statics);
  setMaskExtentAttr(DenseI64ArrayAttr::get(getContext(), statics));
  getMaskExtentSizesMutable().assign(dynamics);
}
