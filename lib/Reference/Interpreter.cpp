//===- Interpreter.cpp - float64 reference interpreter --------------------===//

#include "cascade/Reference/Interpreter.h"

#include "ReferenceImpl.h"

#include "cascade/Dialect/Tile.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace cascade;
using namespace cascade::reference;

std::optional<DType> cascade::dtypeOf(Type type) {
  if (type.isF64())
    return DType::f64;
  if (type.isF32())
    return DType::f32;
  if (type.isF16())
    return DType::f16;
  if (type.isBF16())
    return DType::bf16;
  if (type.isSignlessInteger(64) || type.isIndex())
    return DType::i64;
  if (type.isSignlessInteger(32))
    return DType::i32;
  if (type.isSignlessInteger(1))
    return DType::i1;
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Einsum engine
//===----------------------------------------------------------------------===//

std::string reference::loopOrder(ArrayRef<std::string> inputIndices,
                                 StringRef resultIndices) {
  std::string order = resultIndices.str();
  for (const std::string &in : inputIndices)
    for (char c : in)
      if (!llvm::is_contained(order, c))
        order.push_back(c);
  return order;
}

void reference::evalEinsum(
    ArrayRef<std::string> inputIndices, StringRef resultIndices,
    ArrayRef<const HostTensor *> inputs, std::optional<ReduceKind> reduce,
    const MaskBinding &mask,
    llvm::function_ref<double(const double *, const int64_t *)> map,
    HostTensor &result) {
  std::string order = loopOrder(inputIndices, resultIndices);
  size_t numLoops = order.size(), numInputs = inputs.size();
  size_t numOuter = resultIndices.size();
  SmallVector<int64_t> sizes(numLoops, 1);
  // strides[l * numInputs + i]: stride of loop l in input i (0 if absent).
  SmallVector<int64_t> strides(numLoops * numInputs, 0);
  for (size_t i = 0; i < numInputs; ++i) {
    int64_t stride = 1;
    for (int d = static_cast<int>(inputIndices[i].size()) - 1; d >= 0; --d) {
      size_t l = order.find(inputIndices[i][d]);
      sizes[l] = inputs[i]->shape[d];
      strides[l * numInputs + i] = stride;
      stride *= inputs[i]->shape[d];
    }
  }
  SmallVector<int64_t> shape(sizes.begin(), sizes.begin() + numOuter);
  result.shape = shape;
  result.data.assign(HostTensor::numElements(shape), 0.0);
  int64_t innerCount = 1;
  for (size_t l = numOuter; l < numLoops; ++l)
    innerCount *= sizes[l];
  bool reduces = reduce && *reduce != ReduceKind::none;
  double init = !reduces                     ? 0.0
                : *reduce == ReduceKind::add ? 0.0
                : *reduce == ReduceKind::max ? -INFINITY
                                             : INFINITY;
  if (result.data.empty() || innerCount == 0) {
    std::fill(result.data.begin(), result.data.end(), init);
    return;
  }

  SmallVector<int64_t> coords(numLoops, 0), offsets(numInputs, 0);
  SmallVector<double> values(numInputs);
  auto advance = [&](size_t first, size_t last) {
    // Odometer over loops [first, last), last loop fastest.
    for (size_t l = last; l-- > first;) {
      ++coords[l];
      for (size_t i = 0; i < numInputs; ++i)
        offsets[i] += strides[l * numInputs + i];
      if (coords[l] < sizes[l])
        return;
      for (size_t i = 0; i < numInputs; ++i)
        offsets[i] -= strides[l * numInputs + i] * sizes[l];
      coords[l] = 0;
    }
  };
  auto evalPoint = [&]() {
    for (size_t i = 0; i < numInputs; ++i)
      values[i] = inputs[i]->data[offsets[i]];
    return map(values.data(), coords.data());
  };
  auto masked = [&]() { return mask.mask && !mask.allowed(coords.data()); };
  for (double &out : result.data) {
    if (!reduces) {
      out = masked() ? mask.fill : evalPoint();
    } else {
      double acc = init;
      for (int64_t r = 0; r < innerCount; ++r) {
        if (!masked()) {
          double v = evalPoint();
          switch (*reduce) {
          case ReduceKind::add:
            acc += v;
            break;
          case ReduceKind::max:
            acc = nanMax(acc, v);
            break;
          case ReduceKind::min:
            acc = nanMin(acc, v);
            break;
          case ReduceKind::none:
            break;
          }
        }
        advance(numOuter, numLoops);
      }
      out = acc;
    }
    advance(0, numOuter);
  }
}

void reference::evalScan(
    ArrayRef<std::string> inputIndices, StringRef resultIndices, char iterative,
    ArrayRef<const HostTensor *> inputs, const HostTensor &init,
    llvm::function_ref<double(const double *, const int64_t *)> map,
    HostTensor &result) {
  size_t rank = resultIndices.size(), numInputs = inputs.size();
  size_t iterPos = resultIndices.find(iterative);
  // Sizes of the result's indices (the iterative one counts steps).
  SmallVector<int64_t> sizes(rank, 1);
  SmallVector<SmallVector<int64_t>> inputStrides(numInputs,
                                                 SmallVector<int64_t>(rank, 0));
  for (size_t i = 0; i < numInputs; ++i) {
    int64_t stride = 1;
    for (int d = static_cast<int>(inputIndices[i].size()) - 1; d >= 0; --d) {
      size_t pos = resultIndices.find(inputIndices[i][d]);
      sizes[pos] = inputs[i]->shape[d];
      inputStrides[i][pos] = stride;
      stride *= inputs[i]->shape[d];
    }
  }
  int64_t steps = sizes[iterPos];
  result.shape.assign(sizes.begin(), sizes.end());
  result.shape[iterPos] = steps + 1;
  result.data.assign(HostTensor::numElements(result.shape), 0.0);
  SmallVector<int64_t> resultStrides(rank, 1), initStrides(rank, 0);
  for (int d = static_cast<int>(rank) - 2; d >= 0; --d)
    resultStrides[d] = resultStrides[d + 1] * result.shape[d + 1];
  int64_t stride = 1;
  for (int d = static_cast<int>(rank) - 1; d >= 0; --d)
    if (static_cast<size_t>(d) != iterPos) {
      initStrides[d] = stride;
      stride *= sizes[d];
    }
  SmallVector<int64_t> coords(rank, 0);
  SmallVector<double> args(numInputs + 1);
  int64_t states = steps ? HostTensor::numElements(sizes) / steps
                         : HostTensor::numElements(result.shape);
  for (int64_t s = 0; s < states; ++s) {
    // coords holds the current state's position (iterative index 0).
    int64_t initOff = 0, outOff = 0;
    for (size_t d = 0; d < rank; ++d) {
      initOff += coords[d] * initStrides[d];
      outOff += coords[d] * resultStrides[d];
    }
    double state = init.data[initOff];
    result.data[outOff] = state;
    for (int64_t n = 0; n < steps; ++n) {
      coords[iterPos] = n;
      args[0] = state;
      for (size_t i = 0; i < numInputs; ++i) {
        int64_t off = 0;
        for (size_t d = 0; d < rank; ++d)
          off += coords[d] * inputStrides[i][d];
        args[i + 1] = inputs[i]->data[off];
      }
      state = map(args.data(), coords.data());
      result.data[outOff + (n + 1) * resultStrides[iterPos]] = state;
    }
    coords[iterPos] = 0;
    // Next state position: odometer over the non-iterative indices.
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      if (static_cast<size_t>(d) == iterPos)
        continue;
      if (++coords[d] < sizes[d])
        break;
      coords[d] = 0;
    }
  }
}

void reference::topK(ArrayRef<double> values, int64_t k, int64_t numGroups,
                     int64_t groupsKept, SmallVectorImpl<int64_t> &indices) {
  int64_t n = values.size();
  // Descending, NaN first, ties to the lower index: a strict weak order.
  auto before = [&](int64_t a, int64_t b) {
    double va = values[a], vb = values[b];
    bool na = std::isnan(va), nb = std::isnan(vb);
    if (na != nb)
      return na;
    if (!na && va != vb)
      return va > vb;
    return a < b;
  };
  SmallVector<int64_t> candidates;
  if (numGroups > 0) {
    int64_t size = n / numGroups;
    SmallVector<double> groupScore(numGroups);
    for (int64_t g = 0; g < numGroups; ++g) {
      SmallVector<int64_t> members(size);
      std::iota(members.begin(), members.end(), g * size);
      std::sort(members.begin(), members.end(), before);
      groupScore[g] = values[members[0]] + (size > 1 ? values[members[1]] : 0);
    }
    SmallVector<int64_t> groups(numGroups);
    std::iota(groups.begin(), groups.end(), 0);
    std::stable_sort(groups.begin(), groups.end(), [&](int64_t a, int64_t b) {
      return groupScore[a] > groupScore[b];
    });
    for (int64_t i = 0; i < groupsKept; ++i)
      for (int64_t e = 0; e < size; ++e)
        candidates.push_back(groups[i] * size + e);
  } else {
    candidates.resize(n);
    std::iota(candidates.begin(), candidates.end(), 0);
  }
  std::partial_sort(candidates.begin(), candidates.begin() + k,
                    candidates.end(), before);
  indices.assign(candidates.begin(), candidates.begin() + k);
}

//===----------------------------------------------------------------------===//
// The interpreter
//===----------------------------------------------------------------------===//

/// Calls fn(index, flat) for every index of `shape`, in row-major order.
static void
forEachIndex(ArrayRef<int64_t> shape,
             llvm::function_ref<void(ArrayRef<int64_t>, int64_t)> fn) {
  int64_t total = HostTensor::numElements(shape);
  SmallVector<int64_t> idx(shape.size(), 0);
  for (int64_t flat = 0; flat < total; ++flat) {
    fn(idx, flat);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

namespace {

using TensorPtr = std::shared_ptr<HostTensor>;

class Interpreter {
public:
  explicit Interpreter(ModuleOp module) : module(module) {}

  FailureOr<SmallVector<HostTensor>> call(func::FuncOp func,
                                          ArrayRef<HostTensor> args);

private:
  FailureOr<SmallVector<TensorPtr>> run(Block &block, ArrayRef<TensorPtr> args);
  LogicalResult exec(Operation *op);
  LogicalResult execScalar(Operation *op);
  LogicalResult execProgram(tile::ProgramOp op);
  LogicalResult execTileAccess(Operation *op);
  LogicalResult execFor(scf::ForOp op);
  LogicalResult execIf(scf::IfOp op);
  /// A scalar (index, integer) as the rank-0 tensor the reference holds.
  TensorPtr scalar(double v, DType dtype = DType::i64) {
    auto t = std::make_shared<HostTensor>();
    t->dtype = dtype;
    t->data.push_back(v);
    return t;
  }
  int64_t scalarOf(Value v) { return static_cast<int64_t>(get(v).data[0]); }
  /// A static size or a run-time index value.
  int64_t indexOf(OpFoldResult v) {
    if (std::optional<int64_t> c = getConstantIntValue(v))
      return *c;
    return scalarOf(cast<Value>(v));
  }
  SmallVector<int64_t> indicesOf(ArrayRef<OpFoldResult> values) {
    return llvm::map_to_vector(values,
                               [&](OpFoldResult v) { return indexOf(v); });
  }
  LogicalResult checkShape(Operation *op, StringRef what, unsigned i, Type type,
                           const HostTensor &t);
  LogicalResult checkIndexSizes(Operation *op);

  const HostTensor &get(Value v) { return *values.lookup(v); }
  TensorPtr make(Value result) {
    auto type = cast<RankedTensorType>(result.getType());
    auto t = std::make_shared<HostTensor>();
    t->dtype = dtypeOf(type.getElementType()).value_or(DType::f64);
    return t;
  }
  void set(Value v, TensorPtr t) { values[v] = std::move(t); }

  LogicalResult execEinsum(EinsumOp op);
  LogicalResult execTopK(TopKOp op);
  LogicalResult execClassifyBlocks(ClassifyBlocksOp op);
  LogicalResult execGather(GatherOp op);
  LogicalResult execScatter(ScatterOp op);
  LogicalResult execPermute(PermuteOp op);
  LogicalResult execGroupedEinsum(GroupedEinsumOp op);
  LogicalResult execAttention(AttentionOp op);
  LogicalResult execMoe(MoeOp op);

  ModuleOp module;
  llvm::DenseMap<Value, TensorPtr> values;
  unsigned depth = 0;
};

} // namespace

static LogicalResult checkArg(Operation *where, unsigned i, Type type,
                              const HostTensor &arg) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return where->emitError() << "argument #" << i << " has type " << type
                              << "; only ranked tensors are supported";
  std::optional<DType> dtype = dtypeOf(tensor.getElementType());
  if (!dtype)
    return where->emitError()
           << "argument #" << i << " has element type "
           << tensor.getElementType() << ", which the tools do not exchange";
  if (*dtype != arg.dtype)
    return where->emitError()
           << "argument #" << i << " expects " << dtypeName(*dtype)
           << " values, got " << dtypeName(arg.dtype);
  bool shapeOk = tensor.getRank() == arg.rank();
  for (int64_t d = 0; shapeOk && d < tensor.getRank(); ++d)
    shapeOk = tensor.isDynamicDim(d) || tensor.getDimSize(d) == arg.shape[d];
  if (!shapeOk)
    return where->emitError() << "argument #" << i << " expects shape " << type
                              << ", got " << arg.describe();
  return success();
}

FailureOr<SmallVector<HostTensor>>
Interpreter::call(func::FuncOp func, ArrayRef<HostTensor> args) {
  if (func.isExternal())
    return func.emitError() << "cannot interpret external function '"
                            << func.getSymName() << "'";
  if (args.size() != func.getNumArguments())
    return func.emitError()
           << "'" << func.getSymName() << "' takes " << func.getNumArguments()
           << " arguments, got " << args.size();
  SmallVector<TensorPtr> ptrs;
  for (auto [i, arg] : llvm::enumerate(args)) {
    if (failed(checkArg(func, i, func.getArgumentTypes()[i], arg)))
      return failure();
    ptrs.push_back(std::make_shared<HostTensor>(arg));
  }
  FailureOr<SmallVector<TensorPtr>> results = run(func.getBody().front(), ptrs);
  if (failed(results))
    return failure();
  SmallVector<HostTensor> out;
  for (TensorPtr &t : *results)
    out.push_back(*t);
  return out;
}

FailureOr<SmallVector<TensorPtr>> Interpreter::run(Block &block,
                                                   ArrayRef<TensorPtr> args) {
  for (auto [arg, value] : llvm::zip(block.getArguments(), args))
    values[arg] = value;
  for (Operation &op : block) {
    // func.return, scf.yield, tile.end: the block's values.
    if (op.hasTrait<OpTrait::IsTerminator>()) {
      SmallVector<TensorPtr> results;
      for (Value v : op.getOperands())
        results.push_back(values.lookup(v));
      return results;
    }
    // Dynamic dimensions pass the verifiers unchecked: check the run-time
    // shapes against the static types before and after each op.
    for (auto [i, v] : llvm::enumerate(op.getOperands()))
      if (isa<RankedTensorType>(v.getType()) &&
          failed(checkShape(&op, "operand", i, v.getType(), get(v))))
        return failure();
    if (failed(checkIndexSizes(&op)) || failed(exec(&op)))
      return failure();
    for (auto [i, v] : llvm::enumerate(op.getResults()))
      if (isa<RankedTensorType>(v.getType()) &&
          failed(checkShape(&op, "result", i, v.getType(), get(v))))
        return failure();
  }
  return block.getParentOp()->emitError() << "function does not return";
}

LogicalResult Interpreter::checkShape(Operation *op, StringRef what, unsigned i,
                                      Type type, const HostTensor &t) {
  auto tensor = cast<RankedTensorType>(type);
  bool ok = tensor.getRank() == t.rank();
  for (int64_t d = 0; ok && d < tensor.getRank(); ++d)
    ok = tensor.isDynamicDim(d) || tensor.getDimSize(d) == t.shape[d];
  if (ok)
    return success();
  return op->emitError() << what << " #" << i << " has run-time shape "
                         << t.describe() << ", its type is " << type;
}

/// Each index letter must have one size across `tensors` (run-time check of
/// what the verifier could not see through dynamic dimensions).
static LogicalResult
checkIndexSizesImpl(Operation *op, ArrayRef<StringRef> names,
                    ArrayRef<const HostTensor *> tensors,
                    const llvm::DenseMap<char, StringRef> &legend) {
  llvm::DenseMap<char, std::pair<int64_t, unsigned>> sizes;
  for (auto [i, pair] : llvm::enumerate(llvm::zip(names, tensors))) {
    auto [indices, tensor] = pair;
    for (auto [d, c] : llvm::enumerate(indices)) {
      if (d >= static_cast<size_t>(tensor->rank()))
        break;
      auto [it, inserted] = sizes.try_emplace(c, tensor->shape[d], i);
      if (!inserted && it->second.first != tensor->shape[d])
        return op->emitError()
               << (legend.count(c) ? legend.lookup(c).str()
                                   : "index '" + std::string(1, c) + "'")
               << " has run-time size " << tensor->shape[d] << " in operand #"
               << i << " but " << it->second.first << " in operand #"
               << it->second.second;
    }
  }
  return success();
}

LogicalResult Interpreter::checkIndexSizes(Operation *op) {
  SmallVector<StringRef> names;
  SmallVector<const HostTensor *> tensors;
  auto add = [&](StringRef indices, Value v) {
    names.push_back(indices);
    tensors.push_back(&get(v));
  };
  SmallVector<std::string> storage;
  llvm::DenseMap<char, StringRef> legend;
  if (auto einsum = dyn_cast<EinsumOp>(op)) {
    EinsumOp::Indices indices = einsum.getIndices();
    storage = indices.inputs;
    for (auto [idx, v] : llvm::zip(storage, einsum.getInputs()))
      add(idx, v);
  } else if (auto grouped = dyn_cast<GroupedEinsumOp>(op)) {
    EinsumOp::Indices indices = *EinsumOp::parseSpec(grouped.getSpec());
    storage = indices.inputs;
    add(storage[0], grouped.getLhs());
    for (Value w : grouped.getWeights())
      add(storage[1], w);
  } else if (auto attn = dyn_cast<AttentionOp>(op)) {
    legend = {{'b', "batch"},    {'x', "heads"}, {'y', "kv_heads"},
              {'p', "queries"},  {'m', "keys"},  {'d', "head_dim"},
              {'f', "value_dim"}};
    add("bxpd", attn.getQuery());
    add("bymd", attn.getKey());
    add("bymf", attn.getValue());
    if (Value bias = attn.getBias())
      add(StringRef("bxpm").take_back(get(bias).rank()), bias);
    int64_t h = get(attn.getQuery()).shape[1],
            hkv = get(attn.getKey()).shape[1];
    if (hkv == 0 || h % hkv != 0)
      return op->emitError() << "query heads (" << h
                             << ") must be a multiple of key/value heads ("
                             << hkv << ") at run time";
  } else if (auto moe = dyn_cast<MoeOp>(op)) {
    legend = {{'t', "tokens"},
              {'h', "hidden"},
              {'e', "experts"},
              {'i', "intermediate"},
              {'s', "shared intermediate"}};
    add("th", moe.getInput());
    add("he", moe.getRouterWeight());
    if (Value bias = moe.getRouterBias())
      add("e", bias);
    auto experts = moe.getExpertWeights();
    for (Value w : experts.drop_back())
      add("ehi", w);
    add("eih", experts.back());
    auto shared = moe.getSharedWeights();
    if (!shared.empty()) {
      for (Value w : shared.drop_back())
        add("hs", w);
      add("sh", shared.back());
    }
  } else {
    return success();
  }
  return checkIndexSizesImpl(op, names, tensors, legend);
}

/// The message of cascade.check_indices for `data`, or "" when it passes
/// (the runtime's cascade_rt_check kernel words it the same way).
static std::string checkIndices(const std::vector<double> &data,
                                int64_t lower, int64_t upper,
                                std::optional<int64_t> allow,
                                bool nondecreasing, StringRef what) {
  for (size_t i = 0; i < data.size(); ++i) {
    auto v = static_cast<int64_t>(data[i]);
    if (!(allow && v == *allow) && (v < lower || v >= upper))
      return (what + ": entry " + Twine(i) + " is " + Twine(v) +
              (lower == std::numeric_limits<int64_t>::min()
                   ? ", out of range (must be < " + Twine(upper) + ")"
                   : ", out of range [" + Twine(lower) + ", " + Twine(upper) +
                         ")") +
              (allow ? " (" + Twine(*allow) + " allowed)" : Twine()))
          .str();
    if (nondecreasing && i && data[i] < data[i - 1])
      return (what + ": entry " + Twine(i) + " is " + Twine(v) +
              ", smaller than the entry before it (" +
              Twine(static_cast<int64_t>(data[i - 1])) + ")")
          .str();
  }
  return "";
}

LogicalResult Interpreter::exec(Operation *op) {
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](EinsumOp o) { return execEinsum(o); })
      .Case([&](TopKOp o) { return execTopK(o); })
      .Case([&](ClassifyBlocksOp o) { return execClassifyBlocks(o); })
      .Case([&](GatherOp o) { return execGather(o); })
      .Case([&](ScatterOp o) { return execScatter(o); })
      .Case([&](PermuteOp o) { return execPermute(o); })
      .Case([&](GroupedEinsumOp o) { return execGroupedEinsum(o); })
      .Case([&](CheckIndicesOp o) -> LogicalResult {
        TensorPtr in = values.lookup(o.getInput());
        std::string error =
            checkIndices(in->data, o.getLower(), o.getUpper(), o.getAllow(),
                         o.getNondecreasing(), o.getWhat());
        if (!error.empty())
          return o.emitError() << error;
        set(o.getResult(), in);
        return success();
      })
      .Case([&](AttentionOp o) { return execAttention(o); })
      .Case([&](MoeOp o) { return execMoe(o); })
      .Case([&](tile::ProgramOp o) { return execProgram(o); })
      .Case<tile::LoadOp, tile::StoreOp, memref::LoadOp>(
          [&](Operation *o) { return execTileAccess(o); })
      .Case([&](scf::ForOp o) { return execFor(o); })
      .Case([&](scf::IfOp o) { return execIf(o); })
      .Case<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::DivSIOp,
            arith::CeilDivUIOp, arith::DivUIOp, arith::AndIOp, arith::OrIOp,
            arith::CmpIOp, arith::IndexCastOp>(
          [&](Operation *o) { return execScalar(o); })
      .Case([&](arith::ConstantOp c) -> LogicalResult {
        if (auto integer = dyn_cast<IntegerAttr>(c.getValue())) {
          set(c.getResult(),
              scalar(static_cast<double>(integer.getValue().getSExtValue())));
          return success();
        }
        if (auto scalar = dyn_cast<FloatAttr>(c.getValue())) {
          // Scalars (e.g. tensor.pad values) are rank-0 tensors here.
          TensorPtr t = std::make_shared<HostTensor>();
          t->dtype = dtypeOf(scalar.getType()).value_or(DType::f64);
          t->data.push_back(scalar.getValueAsDouble());
          set(c.getResult(), t);
          return success();
        }
        auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
        if (!dense)
          return c.emitError() << "reference interpreter supports float and "
                                  "tensor constants outside einsum regions";
        TensorPtr t = make(c.getResult());
        t->shape.assign(dense.getType().getShape().begin(),
                        dense.getType().getShape().end());
        Type elt = dense.getElementType();
        if (isa<FloatType>(elt)) {
          for (const APFloat &v : dense.getValues<APFloat>())
            t->data.push_back(v.convertToDouble());
        } else {
          for (const APInt &v : dense.getValues<APInt>())
            t->data.push_back(elt.isInteger(1)
                                  ? static_cast<double>(v.getBoolValue())
                                  : static_cast<double>(v.getSExtValue()));
        }
        set(c.getResult(), t);
        return success();
      })
      .Case([&](tensor::EmptyOp e) -> LogicalResult {
        TensorPtr t = make(e.getResult());
        for (OpFoldResult size : e.getMixedSizes())
          t->shape.push_back(indexOf(size));
        t->data.assign(HostTensor::numElements(t->shape), 0.0);
        set(e.getResult(), t);
        return success();
      })
      .Case([&](tensor::SplatOp splat) -> LogicalResult {
        TensorPtr t = make(splat.getResult());
        t->shape = indicesOf(getMixedValues(splat.getType().getShape(),
                                            splat.getDynamicSizes(),
                                            splat.getContext()));
        t->data.assign(HostTensor::numElements(t->shape),
                       get(splat.getInput()).data[0]);
        set(splat.getResult(), t);
        return success();
      })
      .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::CastOp>(
          [&](Operation *reshape) -> LogicalResult {
            auto type = cast<RankedTensorType>(reshape->getResult(0).getType());
            const HostTensor &src = get(reshape->getOperand(0));
            TensorPtr t = make(reshape->getResult(0));
            t->data = src.data;
            if (isa<tensor::CastOp>(reshape)) {
              t->shape = src.shape;
            } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(reshape)) {
              // Run-time sizes come from output_shape.
              t->shape = indicesOf(expand.getMixedOutputShape());
            } else {
              auto collapse = cast<tensor::CollapseShapeOp>(reshape);
              for (const ReassociationIndices &group :
                   collapse.getReassociationIndices()) {
                int64_t size = 1;
                for (int64_t d : group)
                  size *= src.shape[d];
                t->shape.push_back(size);
              }
            }
            if (HostTensor::numElements(t->shape) !=
                    static_cast<int64_t>(src.data.size()) ||
                (!isa<tensor::CastOp>(reshape) &&
                 !llvm::all_of(llvm::enumerate(type.getShape()), [&](auto it) {
                   return ShapedType::isDynamic(it.value()) ||
                          it.value() == t->shape[it.index()];
                 })))
              return reshape->emitError()
                     << "reshape to a shape of a different size at run time";
            set(reshape->getResult(0), t);
            return success();
          })
      .Case([&](tensor::DimOp dim) -> LogicalResult {
        const HostTensor &src = get(dim.getSource());
        int64_t d = scalarOf(dim.getIndex());
        if (d < 0 || d >= src.rank())
          return dim.emitError() << "dimension " << d << " of a rank-"
                                 << src.rank() << " tensor";
        set(dim.getResult(), scalar(static_cast<double>(src.shape[d])));
        return success();
      })
      .Case([&](tensor::PadOp pad) -> LogicalResult {
        Value padValue = pad.getConstantPaddingValue();
        FloatAttr padAttr;
        if (!padValue || !matchPattern(padValue, m_Constant(&padAttr)))
          return pad.emitError()
                 << "reference interpreter supports tensor.pad with a "
                    "constant float padding value only";
        const HostTensor &src = get(pad.getSource());
        TensorPtr t = make(pad.getResult());
        SmallVector<int64_t> low = indicesOf(pad.getMixedLowPad()),
                             high = indicesOf(pad.getMixedHighPad());
        if (llvm::any_of(llvm::concat<int64_t>(low, high),
                         [](int64_t n) { return n < 0; }))
          return pad.emitError() << "negative padding at run time";
        for (int64_t d = 0; d < src.rank(); ++d)
          t->shape.push_back(low[d] + src.shape[d] + high[d]);
        t->data.assign(HostTensor::numElements(t->shape),
                       padAttr.getValueAsDouble());
        forEachIndex(src.shape, [&](ArrayRef<int64_t> idx, int64_t flat) {
          int64_t off = 0;
          for (int64_t d = 0; d < src.rank(); ++d)
            off = off * t->shape[d] + idx[d] + low[d];
          t->data[off] = src.data[flat];
        });
        set(pad.getResult(), t);
        return success();
      })
      .Case([&](tensor::ExtractSliceOp slice) -> LogicalResult {
        const HostTensor &src = get(slice.getSource());
        SmallVector<int64_t> offsets = indicesOf(slice.getMixedOffsets()),
                             sizes = indicesOf(slice.getMixedSizes()),
                             strides = indicesOf(slice.getMixedStrides());
        for (int64_t d = 0; d < src.rank(); ++d)
          if (sizes[d] > 0 &&
              (offsets[d] < 0 ||
               offsets[d] + (sizes[d] - 1) * strides[d] >= src.shape[d]))
            return slice.emitError() << "slice of dimension " << d
                                     << " runs past its size " << src.shape[d];
        TensorPtr t = make(slice.getResult());
        // Rank-reducing slices drop unit sizes the result type does not
        // have.
        llvm::SmallBitVector dropped = slice.getDroppedDims();
        for (int64_t d = 0; d < src.rank(); ++d)
          if (!dropped.test(d))
            t->shape.push_back(sizes[d]);
        forEachIndex(sizes, [&](ArrayRef<int64_t> idx, int64_t) {
          int64_t off = 0;
          for (int64_t d = 0; d < src.rank(); ++d)
            off = off * src.shape[d] + offsets[d] + idx[d] * strides[d];
          t->data.push_back(src.data[off]);
        });
        set(slice.getResult(), t);
        return success();
      })
      .Case([&](func::CallOp callOp) -> LogicalResult {
        auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            callOp, callOp.getCalleeAttr());
        if (!callee)
          return callOp.emitError() << "unknown callee " << callOp.getCallee();
        if (++depth > 64)
          return callOp.emitError() << "call depth exceeds 64";
        SmallVector<HostTensor> args;
        for (Value v : callOp.getOperands())
          args.push_back(get(v));
        Interpreter inner(module);
        inner.depth = depth;
        auto results = inner.call(callee, args);
        --depth;
        if (failed(results))
          return failure();
        for (auto [r, v] : llvm::zip(callOp.getResults(), *results))
          set(r, std::make_shared<HostTensor>(std::move(v)));
        return success();
      })
      .Default([&](Operation *other) {
        return other->emitError() << "reference interpreter does not support '"
                                  << other->getName() << "'";
      });
}

//===----------------------------------------------------------------------===//
// Tile programs and the control flow inside them
//===----------------------------------------------------------------------===//

LogicalResult Interpreter::execScalar(Operation *op) {
  auto operand = [&](unsigned i) { return scalarOf(op->getOperand(i)); };
  int64_t r = 0;
  if (isa<arith::AddIOp>(op))
    r = operand(0) + operand(1);
  else if (isa<arith::SubIOp>(op))
    r = operand(0) - operand(1);
  else if (isa<arith::MulIOp>(op))
    r = operand(0) * operand(1);
  else if (isa<arith::DivSIOp>(op)) {
    if (operand(1) == 0)
      return op->emitError() << "integer division by zero";
    r = operand(0) / operand(1);
  } else if (isa<arith::CeilDivUIOp, arith::DivUIOp>(op)) {
    // Sizes: non-negative.
    if (operand(1) <= 0 || operand(0) < 0)
      return op->emitError()
             << op->getName() << " of " << operand(0) << " by " << operand(1);
    r = isa<arith::DivUIOp>(op) ? operand(0) / operand(1)
                                : (operand(0) + operand(1) - 1) / operand(1);
  } else if (isa<arith::AndIOp>(op))
    r = operand(0) & operand(1);
  else if (isa<arith::OrIOp>(op))
    r = operand(0) | operand(1);
  else if (isa<arith::IndexCastOp>(op))
    r = operand(0);
  else if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    int64_t a = operand(0), b = operand(1);
    switch (cmp.getPredicate()) {
    case arith::CmpIPredicate::eq:
      r = a == b;
      break;
    case arith::CmpIPredicate::ne:
      r = a != b;
      break;
    case arith::CmpIPredicate::slt:
      r = a < b;
      break;
    case arith::CmpIPredicate::sle:
      r = a <= b;
      break;
    case arith::CmpIPredicate::sgt:
      r = a > b;
      break;
    case arith::CmpIPredicate::sge:
      r = a >= b;
      break;
    default:
      return op->emitError() << "reference interpreter supports signed and "
                                "equality integer comparisons only";
    }
  }
  set(op->getResult(0), scalar(static_cast<double>(r)));
  return success();
}

LogicalResult Interpreter::execProgram(tile::ProgramOp op) {
  // Outputs start as copies of `outs` and are written in place.
  SmallVector<TensorPtr> buffers;
  for (Value v : op.getInputs())
    buffers.push_back(values.lookup(v));
  SmallVector<TensorPtr> outputs;
  for (Value v : op.getOutputs())
    outputs.push_back(std::make_shared<HostTensor>(get(v)));
  buffers.append(outputs.begin(), outputs.end());
  SmallVector<int64_t> grid = indicesOf(op.getMixedGrid());
  for (auto [d, n] : llvm::enumerate(grid))
    if (n < 0)
      return op.emitError()
             << "grid dimension " << d << " is " << n << " at run time";
  SmallVector<TensorPtr> params;
  for (Value v : op.getParams())
    params.push_back(values.lookup(v));
  Block &body = op.getBody().front();
  LogicalResult status = success();
  forEachIndex(grid, [&](ArrayRef<int64_t> ids, int64_t) {
    if (failed(status))
      return;
    SmallVector<TensorPtr> args;
    for (int64_t id : ids)
      args.push_back(scalar(static_cast<double>(id)));
    args.append(params.begin(), params.end());
    args.append(buffers.begin(), buffers.end());
    if (failed(run(body, args)))
      status = failure();
  });
  if (failed(status))
    return failure();
  for (auto [r, t] : llvm::zip(op.getResults(), outputs))
    set(r, t);
  return success();
}

LogicalResult Interpreter::execTileAccess(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    const HostTensor &buffer = get(load.getMemRef());
    int64_t off = 0;
    for (auto [d, i] : llvm::enumerate(load.getIndices())) {
      int64_t idx = scalarOf(i);
      if (idx < 0 || idx >= buffer.shape[d])
        return op->emitError() << "index " << idx << " of dimension " << d
                               << " is outside [0, " << buffer.shape[d] << ")";
      off = off * buffer.shape[d] + idx;
    }
    set(load.getResult(), scalar(buffer.data[off], buffer.dtype));
    return success();
  }
  bool isLoad = isa<tile::LoadOp>(op);
  Value bufferValue = isLoad ? cast<tile::LoadOp>(op).getSource()
                             : cast<tile::StoreOp>(op).getDest();
  OperandRange offsetValues = isLoad ? cast<tile::LoadOp>(op).getOffsets()
                                     : cast<tile::StoreOp>(op).getOffsets();
  HostTensor &buffer = *values.lookup(bufferValue);
  OperandRange boundValues = isLoad ? cast<tile::LoadOp>(op).getBounds()
                                    : cast<tile::StoreOp>(op).getBounds();
  SmallVector<int64_t> offsets, limits(buffer.shape);
  for (Value v : offsetValues)
    offsets.push_back(scalarOf(v));
  for (auto [limit, v] : llvm::zip(limits, boundValues))
    limit = std::min(limit, scalarOf(v));
  auto tileType = cast<RankedTensorType>(
      isLoad ? op->getResult(0).getType() : op->getOperand(0).getType());
  // Flat offset in the buffer of a tile index, or -1 past the bounds.
  auto locate = [&](ArrayRef<int64_t> idx) -> int64_t {
    int64_t off = 0;
    for (int64_t d = 0; d < buffer.rank(); ++d) {
      int64_t at = offsets[d] + idx[d];
      if (at < 0 || at >= limits[d])
        return -1;
      off = off * buffer.shape[d] + at;
    }
    return off;
  };
  if (isLoad) {
    auto load = cast<tile::LoadOp>(op);
    double pad = load.getPad() ? load.getPad()->convertToDouble() : 0.0;
    TensorPtr t = make(load.getResult());
    t->shape.assign(tileType.getShape().begin(), tileType.getShape().end());
    forEachIndex(t->shape, [&](ArrayRef<int64_t> idx, int64_t) {
      int64_t off = locate(idx);
      t->data.push_back(off < 0 ? pad : buffer.data[off]);
    });
    set(load.getResult(), t);
    return success();
  }
  const HostTensor &value = get(op->getOperand(0));
  forEachIndex(value.shape, [&](ArrayRef<int64_t> idx, int64_t flat) {
    if (int64_t off = locate(idx); off >= 0)
      buffer.data[off] = value.data[flat];
  });
  return success();
}

LogicalResult Interpreter::execFor(scf::ForOp op) {
  int64_t lb = scalarOf(op.getLowerBound()), ub = scalarOf(op.getUpperBound()),
          step = scalarOf(op.getStep());
  if (step <= 0)
    return op.emitError() << "loop step " << step << " must be positive";
  SmallVector<TensorPtr> state;
  for (Value v : op.getInitArgs())
    state.push_back(values.lookup(v));
  for (int64_t i = lb; i < ub; i += step) {
    SmallVector<TensorPtr> args = {scalar(static_cast<double>(i))};
    args.append(state.begin(), state.end());
    FailureOr<SmallVector<TensorPtr>> next = run(*op.getBody(), args);
    if (failed(next))
      return failure();
    state = std::move(*next);
  }
  for (auto [r, t] : llvm::zip(op.getResults(), state))
    set(r, t);
  return success();
}

LogicalResult Interpreter::execIf(scf::IfOp op) {
  Region &region =
      scalarOf(op.getCondition()) ? op.getThenRegion() : op.getElseRegion();
  if (region.empty())
    return success();
  FailureOr<SmallVector<TensorPtr>> results = run(region.front(), {});
  if (failed(results))
    return failure();
  for (auto [r, t] : llvm::zip(op.getResults(), *results))
    set(r, t);
  return success();
}

//===----------------------------------------------------------------------===//
// Primitives
//===----------------------------------------------------------------------===//

static double applyMap(MapKind kind, double a, double b) {
  switch (kind) {
  case MapKind::mul:
    return a * b;
  case MapKind::add:
    return a + b;
  case MapKind::sub:
    return a - b;
  case MapKind::div:
    return a / b;
  case MapKind::max:
    return nanMax(a, b);
  case MapKind::min:
    return nanMin(a, b);
  }
  return NAN;
}

LogicalResult Interpreter::execEinsum(EinsumOp op) {
  EinsumOp::Indices indices = op.getIndices();
  SmallVector<const HostTensor *> inputs;
  for (Value v : op.getInputs())
    inputs.push_back(&get(v));
  std::string order = loopOrder(indices.inputs, indices.result);

  // A tile's origin per loop position: masks and coordinates see origin +
  // local coordinate.
  SmallVector<int64_t> originOf(order.size(), 0);
  bool hasOrigin = false;
  for (auto [c, offset] :
       llvm::zip(op.getOrigin().value_or(""), op.getOriginOffsets())) {
    originOf[order.find(c)] = static_cast<int64_t>(get(offset).data[0]);
    hasOrigin = true;
  }
  SmallVector<int64_t> shifted(order.size());
  auto globalCoords = [&](const int64_t *c) -> const int64_t * {
    if (!hasOrigin)
      return c;
    for (size_t l = 0; l < order.size(); ++l)
      shifted[l] = c[l] + originOf[l];
    return shifted.data();
  };

  std::unique_ptr<MaskEvaluator> maskEval;
  MaskBinding binding;
  if (auto mask = op.getMaskAttr()) {
    auto sizeOf = [&](char c) -> int64_t {
      for (auto [names, in] : llvm::zip(indices.inputs, inputs))
        if (size_t d = names.find(c); d != std::string::npos)
          return in->shape[d];
      return 0;
    };
    // Row-major terms of each index group, and the logical extents.
    auto bind = [&](StringRef group,
                    SmallVectorImpl<std::pair<int, int64_t>> &terms) {
      int64_t mult = 1;
      for (char c : llvm::reverse(group)) {
        terms.push_back({static_cast<int>(order.find(c)), mult});
        mult *= sizeOf(c);
      }
      return mult;
    };
    binding.queryExtent = bind(*op.getMaskQuery(), binding.queryTerms);
    binding.keyExtent = bind(*op.getMaskKey(), binding.keyTerms);
    if (!op.getMaskOrigin().empty()) {
      binding.queryOffset = scalarOf(op.getMaskOrigin()[0]);
      binding.keyOffset = scalarOf(op.getMaskOrigin()[1]);
    }
    SmallVector<OpFoldResult> extent = op.getMixedMaskExtent();
    if (!extent.empty()) {
      binding.queryExtent = indexOf(extent[0]);
      binding.keyExtent = indexOf(extent[1]);
    }
    SmallVector<const HostTensor *> args;
    for (Value v : op.getMaskArgs())
      args.push_back(&get(v));
    maskEval = MaskEvaluator::create(op, mask, binding.queryExtent,
                                     binding.keyExtent, args);
    if (!maskEval)
      return failure();
    binding.mask = maskEval.get();
    if (op.getFill())
      binding.fill = op.getFill()->convertToDouble();
    if (Value classes = op.getBlockClasses()) {
      binding.classes = &get(classes);
      binding.blockQ = (*op.getClassBlock())[0];
      binding.blockK = (*op.getClassBlock())[1];
    }
  }

  TensorPtr result = make(op.getResult());
  if (char iterative = op.getIterativeIndex()) {
    // Coordinates for cascade.coord: result indices in order.
    auto program = ScalarProgram::compile(op.getBody(), [&](char c) {
      return static_cast<int>(indices.result.find(c));
    });
    if (!program)
      return failure();
    evalScan(
        indices.inputs, indices.result, iterative, inputs, get(op.getInit()),
        [&](const double *v, const int64_t *c) { return program->run(v, c); },
        *result);
    set(op.getResult(), result);
    return success();
  }
  if (!op.getBody().empty()) {
    auto program = ScalarProgram::compile(
        op.getBody(), [&](char c) { return static_cast<int>(order.find(c)); });
    if (!program)
      return failure();
    evalEinsum(
        indices.inputs, indices.result, inputs, op.getReduce(), binding,
        [&](const double *v, const int64_t *c) {
          return program->run(v, globalCoords(c));
        },
        *result);
  } else if (std::optional<MapKind> kind = op.getMap()) {
    MapKind k = *kind;
    evalEinsum(
        indices.inputs, indices.result, inputs, op.getReduce(), binding,
        [k](const double *v, const int64_t *) {
          return applyMap(k, v[0], v[1]);
        },
        *result);
  } else {
    evalEinsum(
        indices.inputs, indices.result, inputs, op.getReduce(), binding,
        [](const double *v, const int64_t *) { return v[0]; }, *result);
  }
  if (!binding.classError.empty())
    return op.emitError() << "block classes disagree with the mask: "
                          << binding.classError;
  set(op.getResult(), result);
  return success();
}

LogicalResult Interpreter::execClassifyBlocks(ClassifyBlocksOp op) {
  // Run-time extents (dynamic sequence lengths) are operands.
  int64_t extent[2];
  for (unsigned side = 0, next = 0; side < 2; ++side)
    extent[side] = ShapedType::isDynamic(op.getExtent()[side])
                       ? scalarOf(op.getDynamicExtent()[next++])
                       : op.getExtent()[side];
  int64_t queries = extent[0], keys = extent[1];
  if (queries < 0 || keys < 0)
    return op.emitError() << "negative extent [" << queries << ", " << keys
                          << "]";
  int64_t bq = op.getBlock()[0], bk = op.getBlock()[1];
  SmallVector<const HostTensor *> args;
  for (Value v : op.getMaskArgs())
    args.push_back(&get(v));
  auto mask = MaskEvaluator::create(op, op.getMask(), queries, keys, args);
  if (!mask)
    return failure();
  // The oracle: look at every point of every block.
  TensorPtr out = make(op.getClasses());
  out->shape.assign(ClassifyBlocksOp::getTableShape({queries, keys}, {bq, bk}));
  auto type = cast<RankedTensorType>(op.getClasses().getType());
  for (int d = 0; d < 2; ++d)
    if (!type.isDynamicDim(d) && type.getDimSize(d) != out->shape[d])
      return op.emitError() << "the table has " << type.getDimSize(d) << " "
                            << (d ? "key" : "query") << " blocks but the "
                            << "run-time extent gives " << out->shape[d];
  for (int64_t q0 = 0; q0 < queries; q0 += bq)
    for (int64_t k0 = 0; k0 < keys; k0 += bk) {
      bool any = false, all = true;
      for (int64_t q = q0; q < std::min(q0 + bq, queries); ++q)
        for (int64_t k = k0; k < std::min(k0 + bk, keys); ++k) {
          bool keep = mask->allowed(q, k);
          any |= keep;
          all &= keep;
        }
      BlockClass cls = all   ? BlockClass::Full
                       : any ? BlockClass::Partial
                             : BlockClass::Empty;
      out->data.push_back(static_cast<double>(static_cast<int>(cls)));
    }
  set(op.getClasses(), out);
  return success();
}

LogicalResult Interpreter::execTopK(TopKOp op) {
  const HostTensor &in = get(op.getInput());
  int64_t n = in.shape.back(), k = op.getK();
  if (k > n)
    return op.emitError() << "k = " << k << " is larger than the " << n
                          << " entries per row";
  int64_t rows = n ? in.size() / n : 0;
  int64_t groups = op.getNumGroups() ? int64_t(*op.getNumGroups()) : 0;
  int64_t kept = op.getGroupsKept() ? int64_t(*op.getGroupsKept()) : 0;
  TensorPtr values = make(op.getValues()), idx = make(op.getIndices());
  values->shape.assign(in.shape.begin(), in.shape.end());
  values->shape.back() = k;
  idx->shape = values->shape;
  SmallVector<int64_t> chosen;
  for (int64_t r = 0; r < rows; ++r) {
    ArrayRef<double> row(in.data.data() + r * n, n);
    topK(row, k, groups, kept, chosen);
    for (int64_t j : chosen) {
      values->data.push_back(row[j]);
      idx->data.push_back(static_cast<double>(j));
    }
  }
  set(op.getValues(), values);
  set(op.getIndices(), idx);
  return success();
}

LogicalResult Interpreter::execGather(GatherOp op) {
  const HostTensor &src = get(op.getSource());
  const HostTensor &idx = get(op.getIndices());
  int64_t rows = src.shape[0], rowSize = rows ? src.size() / rows : 0;
  int64_t divisor = op.getDivisor();
  TensorPtr out = make(op.getResult());
  out->shape.assign(idx.shape.begin(), idx.shape.end());
  out->shape.append(src.shape.begin() + 1, src.shape.end());
  out->data.assign(idx.size() * rowSize, 0.0);
  for (int64_t i = 0; i < idx.size(); ++i) {
    auto raw = static_cast<int64_t>(idx.data[i]);
    if (raw < 0)
      continue; // dropped slot: zeros
    int64_t row = raw / divisor;
    if (row >= rows)
      return op.emitError()
             << "index " << raw << " (entry " << i << " of 'indices'"
             << (divisor > 1 ? ", divided by " + std::to_string(divisor)
                             : std::string())
             << ") is out of range for the " << rows << " rows of 'source'";
    std::copy_n(src.data.begin() + row * rowSize, rowSize,
                out->data.begin() + i * rowSize);
  }
  set(op.getResult(), out);
  return success();
}

LogicalResult Interpreter::execScatter(ScatterOp op) {
  const HostTensor &src = get(op.getSource());
  const HostTensor &idx = get(op.getIndices());
  const HostTensor *weights = op.getWeights() ? &get(op.getWeights()) : nullptr;
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  int64_t rows =
      op.getRows() ? scalarOf(op.getRows()) : resultType.getDimSize(0);
  if (rows < 0)
    return op.emitError() << "a negative number of rows (" << rows << ")";
  TensorPtr out = make(op.getResult());
  out->shape.push_back(rows);
  out->shape.append(src.shape.begin() + idx.rank(), src.shape.end());
  // From the row's shape, not src / entries: with no entries the rows are
  // still there (zeros).
  int64_t rowSize = HostTensor::numElements(ArrayRef(out->shape).drop_front());
  out->data.assign(rows * rowSize, 0.0);
  int64_t divisor = op.getDivisor();
  for (int64_t i = 0; i < idx.size(); ++i) {
    auto raw = static_cast<int64_t>(idx.data[i]);
    if (raw < 0)
      continue;
    int64_t row = raw / divisor;
    if (row >= rows)
      return op.emitError() << "index " << raw << " (entry " << i
                            << " of 'indices') is out of range for the " << rows
                            << " rows of the result";
    double w = weights ? weights->data[i] : 1.0;
    for (int64_t c = 0; c < rowSize; ++c)
      out->data[row * rowSize + c] += w * src.data[i * rowSize + c];
  }
  set(op.getResult(), out);
  return success();
}

LogicalResult Interpreter::execPermute(PermuteOp op) {
  const HostTensor &keys = get(op.getKeys());
  int64_t groups = op.getGroups(), slots = keys.size();
  int64_t capacity = op.getCapacity() ? int64_t(*op.getCapacity()) : slots;
  SmallVector<SmallVector<int64_t>> members(groups);
  for (int64_t s = 0; s < slots; ++s) {
    double key = keys.data[s];
    if (key < 0 || key >= groups)
      return op.emitError() << "key " << static_cast<int64_t>(key) << " (slot "
                            << s << ") is out of range [0, " << groups << ")";
    members[static_cast<int64_t>(key)].push_back(s);
  }
  TensorPtr perm = make(op.getPerm()), offsets = make(op.getOffsets());
  perm->shape = {slots};
  offsets->shape = {groups + 1};
  for (int64_t g = 0; g < groups; ++g) {
    offsets->data.push_back(static_cast<double>(perm->data.size()));
    for (auto [i, s] : llvm::enumerate(members[g])) {
      if (static_cast<int64_t>(i) < capacity)
        perm->data.push_back(static_cast<double>(s));
    }
  }
  offsets->data.push_back(static_cast<double>(perm->data.size()));
  perm->data.resize(slots, -1.0);
  set(op.getPerm(), perm);
  set(op.getOffsets(), offsets);
  return success();
}

LogicalResult Interpreter::execGroupedEinsum(GroupedEinsumOp op) {
  EinsumOp::Indices indices = *EinsumOp::parseSpec(op.getSpec());
  const HostTensor &lhs = get(op.getLhs());
  const HostTensor &offsets = get(op.getOffsets());
  const HostTensor &first = get(op.getWeights()[0]);
  int64_t rows = lhs.shape[0], groups = first.shape[0];
  if (offsets.size() != groups + 1)
    return op.emitError() << "'offsets' has " << offsets.size()
                          << " entries, expected " << groups + 1;
  for (int64_t g = 0; g <= groups; ++g) {
    double prev = g ? offsets.data[g - 1] : 0.0;
    if (offsets.data[g] < prev || offsets.data[g] > rows)
      return op.emitError() << "'offsets' must be non-decreasing within [0, "
                            << rows << "]; entry " << g << " is "
                            << static_cast<int64_t>(offsets.data[g]);
  }
  // The row index leads lhs and the result; contract each segment with its
  // group's slice of every weight.
  std::string rhsIdx = indices.inputs[1].substr(1);
  int64_t lhsRow = rows ? lhs.size() / rows : 0;
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  SmallVector<int64_t> shape(resultType.getShape());
  for (auto [d, c] : llvm::enumerate(indices.result))
    for (auto [names, in] : {std::pair{indices.inputs[0], &lhs},
                             std::pair{indices.inputs[1], &first}})
      if (size_t pos = names.find(c); pos != std::string::npos)
        shape[d] = in->shape[pos];
  int64_t rowSize = rows ? HostTensor::numElements(shape) / rows : 0;
  auto contract = [&](const HostTensor &rhs, HostTensor &out) {
    out.shape = shape;
    out.data.assign(HostTensor::numElements(shape), 0.0);
    int64_t rhsSlice = groups ? rhs.size() / groups : 0;
    for (int64_t g = 0; g < groups; ++g) {
      auto begin = static_cast<int64_t>(offsets.data[g]);
      auto end = static_cast<int64_t>(offsets.data[g + 1]);
      if (begin == end)
        continue;
      HostTensor segment, slice, part;
      segment.shape = lhs.shape;
      segment.shape[0] = end - begin;
      segment.data.assign(lhs.data.begin() + begin * lhsRow,
                          lhs.data.begin() + end * lhsRow);
      slice.shape.assign(rhs.shape.begin() + 1, rhs.shape.end());
      slice.data.assign(rhs.data.begin() + g * rhsSlice,
                        rhs.data.begin() + (g + 1) * rhsSlice);
      evalEinsum(
          {indices.inputs[0], rhsIdx}, indices.result, {&segment, &slice},
          ReduceKind::add, MaskBinding(),
          [](const double *v, const int64_t *) { return v[0] * v[1]; }, part);
      std::copy(part.data.begin(), part.data.end(),
                out.data.begin() + begin * rowSize);
    }
  };
  TensorPtr out = make(op.getResult());
  if (op.getEpilogue().empty()) {
    contract(first, *out);
    set(op.getResult(), out);
    return success();
  }
  SmallVector<HostTensor> parts(op.getWeights().size());
  for (auto [w, part] : llvm::zip(op.getWeights(), parts))
    contract(get(w), part);
  auto program =
      ScalarProgram::compile(op.getEpilogue(), [](char) { return 0; });
  if (!program)
    return failure();
  // The epilogue applies inside the segments; other rows stay zero.
  out->shape = shape;
  out->data.assign(HostTensor::numElements(shape), 0.0);
  auto segBegin = static_cast<int64_t>(offsets.data[0]);
  auto segEnd = static_cast<int64_t>(offsets.data[groups]);
  SmallVector<double> args(parts.size());
  int64_t noCoords = 0;
  for (int64_t i = segBegin * rowSize; i < segEnd * rowSize; ++i) {
    for (auto [a, part] : llvm::zip(args, parts))
      a = part.data[i];
    out->data[i] = program->run(args.data(), &noCoords);
  }
  set(op.getResult(), out);
  return success();
}

//===----------------------------------------------------------------------===//
// Composites, executed by their definition
//===----------------------------------------------------------------------===//

LogicalResult Interpreter::execAttention(AttentionOp op) {
  const HostTensor &q = get(op.getQuery()), &k = get(op.getKey()),
                   &v = get(op.getValue());
  const HostTensor *bias = op.getBias() ? &get(op.getBias()) : nullptr;
  int64_t B = q.shape[0], H = q.shape[1], P = q.shape[2], D = q.shape[3];
  int64_t Hkv = k.shape[1], M = k.shape[2], F = v.shape[3];
  int64_t group = H / Hkv;
  double scale = op.getScale() ? op.getScale()->convertToDouble()
                               : 1.0 / std::sqrt(static_cast<double>(D));
  std::optional<double> softcap;
  if (op.getSoftcap())
    softcap = op.getSoftcap()->convertToDouble();

  std::unique_ptr<MaskEvaluator> mask;
  if (auto attr = op.getMaskAttr()) {
    SmallVector<const HostTensor *> args;
    for (Value a : op.getMaskArgs())
      args.push_back(&get(a));
    mask = MaskEvaluator::create(op, attr, P, M, args);
    if (!mask)
      return failure();
  }

  TensorPtr out = make(op.getOutput());
  out->shape = {B, H, P, F};
  out->data.assign(B * H * P * F, 0.0);
  TensorPtr lse;
  if (op.getLse()) {
    lse = make(op.getLse());
    lse->shape = {B, H, P};
    lse->data.assign(B * H * P, -INFINITY);
  }
  std::vector<double> logits(M), weights(M);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      int64_t hk = h / group;
      double slope =
          std::exp2(-8.0 * static_cast<double>(h + 1) / static_cast<double>(H));
      for (int64_t p = 0; p < P; ++p) {
        const double *qrow = &q.data[((b * H + h) * P + p) * D];
        double rowMax = -INFINITY;
        for (int64_t m = 0; m < M; ++m) {
          if (mask && !mask->allowed(p, m)) {
            logits[m] = -INFINITY;
            continue;
          }
          const double *krow = &k.data[((b * Hkv + hk) * M + m) * D];
          double s = 0;
          for (int64_t d = 0; d < D; ++d)
            s += qrow[d] * krow[d];
          s *= scale;
          if (softcap)
            s = *softcap * std::tanh(s / *softcap);
          if (op.getAlibi())
            s += slope * static_cast<double>(m - p);
          if (bias) {
            int64_t r = bias->rank();
            int64_t off = p * M + m;
            if (r >= 3)
              off += h * P * M;
            if (r == 4)
              off += b * H * P * M;
            s += bias->data[off];
          }
          logits[m] = s;
          // NaN in, NaN out: std::max dropped a NaN score, and a row of
          // them read as fully masked (output 0) instead of NaN.
          rowMax = nanMax(rowMax, s);
        }
        if (rowMax == -INFINITY)
          continue; // fully masked: output 0, lse -inf
        double sum = 0;
        for (int64_t m = 0; m < M; ++m) {
          weights[m] =
              logits[m] == -INFINITY ? 0.0 : std::exp(logits[m] - rowMax);
          sum += weights[m];
        }
        double *orow = &out->data[((b * H + h) * P + p) * F];
        for (int64_t m = 0; m < M; ++m) {
          if (weights[m] == 0)
            continue;
          const double *vrow = &v.data[((b * Hkv + hk) * M + m) * F];
          for (int64_t f = 0; f < F; ++f)
            orow[f] += weights[m] * vrow[f];
        }
        for (int64_t f = 0; f < F; ++f)
          orow[f] /= sum;
        if (lse)
          lse->data[(b * H + h) * P + p] = rowMax + std::log(sum);
      }
    }
  set(op.getOutput(), out);
  if (lse)
    set(op.getLse(), lse);
  return success();
}

/// act(x W_gate) * (x W_up) W_down or gelu(x W_up) W_down for one token row.
static void expertMlp(Activation act, const double *x, int64_t hidden,
                      int64_t inter, ArrayRef<const double *> weights,
                      std::vector<double> &h, std::vector<double> &y) {
  h.assign(inter, 0.0);
  y.assign(hidden, 0.0);
  const double *up = weights[act == Activation::swiglu ? 1 : 0];
  for (int64_t i = 0; i < inter; ++i) {
    double u = 0, g = 0;
    for (int64_t d = 0; d < hidden; ++d) {
      u += x[d] * up[d * inter + i];
      if (act == Activation::swiglu)
        g += x[d] * weights[0][d * inter + i];
    }
    h[i] = act == Activation::swiglu
               ? g / (1.0 + std::exp(-g)) * u
               : 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0)));
  }
  const double *down = weights.back();
  for (int64_t i = 0; i < inter; ++i)
    for (int64_t d = 0; d < hidden; ++d)
      y[d] += h[i] * down[i * hidden + d];
}

LogicalResult Interpreter::execMoe(MoeOp op) {
  const HostTensor &x = get(op.getInput()), &wr = get(op.getRouterWeight());
  int64_t T = x.shape[0], Hd = x.shape[1], E = wr.shape[1], k = op.getK();
  Activation act = op.getActivation();
  SmallVector<const HostTensor *> experts, shared;
  for (Value w : op.getExpertWeights())
    experts.push_back(&get(w));
  for (Value w : op.getSharedWeights())
    shared.push_back(&get(w));
  int64_t inter = experts.back()->shape[1];
  const HostTensor *routerBias =
      op.getRouterBias() ? &get(op.getRouterBias()) : nullptr;
  int64_t groups = op.getNumGroups() ? int64_t(*op.getNumGroups()) : 0;
  int64_t kept = op.getGroupsKept() ? int64_t(*op.getGroupsKept()) : 0;
  double routedScale =
      op.getRoutedScale() ? op.getRoutedScale()->convertToDouble() : 1.0;
  int64_t capacity = T * k;
  if (op.getCapacityFactor())
    capacity = static_cast<int64_t>(
        std::ceil(op.getCapacityFactor()->convertToDouble() *
                  static_cast<double>(T * k) / static_cast<double>(E)));

  TensorPtr out = make(op.getOutput());
  out->shape = {T, Hd};
  out->data.assign(T * Hd, 0.0);
  std::vector<int64_t> load(E, 0);
  std::vector<double> logits(E), scores(E), h, y;
  SmallVector<int64_t> chosen;
  for (int64_t t = 0; t < T; ++t) {
    const double *xrow = &x.data[t * Hd];
    for (int64_t e = 0; e < E; ++e) {
      logits[e] = 0;
      for (int64_t d = 0; d < Hd; ++d)
        logits[e] += xrow[d] * wr.data[d * E + e];
    }
    SmallVector<double> w(k);
    switch (op.getRouter()) {
    case RouterKind::softmax_topk: {
      double mx = *std::max_element(logits.begin(), logits.end()), sum = 0;
      for (int64_t e = 0; e < E; ++e)
        sum += scores[e] = std::exp(logits[e] - mx);
      for (double &s : scores)
        s /= sum;
      topK(scores, k, 0, 0, chosen);
      double chosenSum = 0;
      for (int64_t j = 0; j < k; ++j)
        chosenSum += w[j] = scores[chosen[j]];
      if (op.getNormalize())
        for (double &wj : w)
          wj /= chosenSum;
      break;
    }
    case RouterKind::topk_softmax: {
      topK(logits, k, 0, 0, chosen);
      double mx = logits[chosen[0]], sum = 0;
      for (int64_t j = 0; j < k; ++j)
        sum += w[j] = std::exp(logits[chosen[j]] - mx);
      for (double &wj : w)
        wj /= sum;
      break;
    }
    case RouterKind::sigmoid_bias: {
      std::vector<double> biased(E);
      for (int64_t e = 0; e < E; ++e) {
        scores[e] = 1.0 / (1.0 + std::exp(-logits[e]));
        biased[e] = scores[e] + routerBias->data[e];
      }
      topK(biased, k, groups, kept, chosen);
      double sum = 0;
      for (int64_t j = 0; j < k; ++j)
        sum += w[j] = scores[chosen[j]];
      for (double &wj : w)
        wj /= sum;
      break;
    }
    }
    for (int64_t j = 0; j < k; ++j) {
      int64_t e = chosen[j];
      if (load[e]++ >= capacity)
        continue; // dropped: over the expert's capacity
      SmallVector<const double *> ws;
      int64_t perExpert = Hd * inter;
      for (const HostTensor *tensor : experts)
        ws.push_back(tensor->data.data() + e * perExpert);
      expertMlp(act, xrow, Hd, inter, ws, h, y);
      for (int64_t d = 0; d < Hd; ++d)
        out->data[t * Hd + d] += routedScale * w[j] * y[d];
    }
    if (!shared.empty()) {
      SmallVector<const double *> ws;
      for (const HostTensor *tensor : shared)
        ws.push_back(tensor->data.data());
      expertMlp(act, xrow, Hd, shared.back()->shape[0], ws, h, y);
      for (int64_t d = 0; d < Hd; ++d)
        out->data[t * Hd + d] += y[d];
    }
  }
  set(op.getOutput(), out);
  return success();
}

FailureOr<SmallVector<HostTensor>>
cascade::interpret(func::FuncOp func, ArrayRef<HostTensor> args) {
  Interpreter interp(func->getParentOfType<ModuleOp>());
  return interp.call(func, args);
}
