//===- Masks.cpp - mask predicates for the reference interpreter ----------===//

#include "ReferenceImpl.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace cascade;
using namespace cascade::reference;

namespace {

template <typename Fn> class LambdaMask final : public MaskEvaluator {
public:
  explicit LambdaMask(Fn fn) : fn(std::move(fn)) {}
  bool allowed(int64_t q, int64_t k) const override { return fn(q, k); }

private:
  Fn fn;
};

template <typename Fn> std::unique_ptr<MaskEvaluator> makeMask(Fn fn) {
  return std::make_unique<LambdaMask<Fn>>(std::move(fn));
}

class AllOf final : public MaskEvaluator {
public:
  std::vector<std::unique_ptr<MaskEvaluator>> parts;
  bool allowed(int64_t q, int64_t k) const override {
    for (const auto &part : parts)
      if (!part->allowed(q, k))
        return false;
    return true;
  }
};

/// NATTEN: along one dimension of length `len`, is `y` in the window of `x`?
bool inNeighborhood(int64_t x, int64_t y, int64_t len, int64_t kernel,
                    int64_t dilation) {
  if (x % dilation != y % dilation)
    return false;
  int64_t residue = x % dilation;
  int64_t groupLen = (len - residue + dilation - 1) / dilation;
  int64_t xi = x / dilation, yi = y / dilation;
  int64_t start = xi - kernel / 2;
  start = std::max<int64_t>(0, std::min(start, groupLen - kernel));
  return yi >= start && yi < start + kernel;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

} // namespace

std::unique_ptr<MaskEvaluator>
MaskEvaluator::create(Operation *op, MaskAttrInterface mask, int64_t numQueries,
                      int64_t numKeys, ArrayRef<const HostTensor *> args) {
  if (args.size() != mask.getNumRuntimeOperands()) {
    op->emitError() << "mask expects " << mask.getNumRuntimeOperands()
                    << " runtime operands, got " << args.size();
    return nullptr;
  }
  return llvm::TypeSwitch<Attribute, std::unique_ptr<MaskEvaluator>>(mask)
      .Case([&](FullMaskAttr) {
        return makeMask([](int64_t, int64_t) { return true; });
      })
      .Case([&](CausalMaskAttr causal) {
        int64_t shift = causal.getAlign() == CausalAlign::bottom_right
                            ? numKeys - numQueries
                            : 0;
        return makeMask(
            [shift](int64_t q, int64_t k) { return k <= q + shift; });
      })
      .Case([&](SlidingWindowMaskAttr window) {
        int64_t left = window.getLeft(), right = window.getRight();
        return makeMask([=](int64_t q, int64_t k) {
          return k >= q - left && k <= q + right;
        });
      })
      .Case([&](PrefixLmMaskAttr prefix) {
        int64_t n = prefix.getPrefix();
        return makeMask([n](int64_t q, int64_t k) { return k < n || k <= q; });
      })
      .Case([&](DocumentMaskAttr) -> std::unique_ptr<MaskEvaluator> {
        if (args[0]->size() != numQueries || args[1]->size() != numKeys) {
          op->emitError() << "document mask segment ids have "
                          << args[0]->size() << " and " << args[1]->size()
                          << " entries, expected " << numQueries << " and "
                          << numKeys;
          return nullptr;
        }
        const HostTensor *qs = args[0], *ks = args[1];
        return makeMask([qs, ks](int64_t q, int64_t k) {
          return qs->data[q] == ks->data[k];
        });
      })
      .Case([&](NeighborhoodMaskAttr nb) {
        SmallVector<int64_t> grid(nb.getGrid()), kernel(nb.getKernel()),
            dilation(nb.getDilation());
        return makeMask([=](int64_t q, int64_t k) {
          // Row-major unflattening, last dimension fastest.
          for (int d = static_cast<int>(grid.size()) - 1; d >= 0; --d) {
            if (!inNeighborhood(q % grid[d], k % grid[d], grid[d], kernel[d],
                                dilation[d]))
              return false;
            q /= grid[d];
            k /= grid[d];
          }
          return true;
        });
      })
      .Case([&](BlockSparseMaskAttr bs) {
        int64_t cols = bs.getTable().getType().getDimSize(1);
        std::vector<bool> table;
        for (const APInt &v : bs.getTable().getValues<APInt>())
          table.push_back(!v.isZero());
        int64_t bq = bs.getBlockQ(), bk = bs.getBlockK();
        return makeMask([=](int64_t q, int64_t k) {
          return static_cast<bool>(table[(q / bq) * cols + k / bk]);
        });
      })
      .Case([&](DynamicBlockSparseMaskAttr dyn)
                -> std::unique_ptr<MaskEvaluator> {
        const HostTensor *idx = args[0];
        int64_t bq = dyn.getBlockQ(), bk = dyn.getBlockK();
        int64_t rows = ceilDiv(numQueries, bq), blocks = ceilDiv(numKeys, bk);
        if (idx->rank() != 2 || idx->shape[0] != rows) {
          op->emitError() << "key block indices must have " << rows
                          << " rows, got " << idx->describe();
          return nullptr;
        }
        int64_t perRow = idx->shape[1];
        std::vector<bool> table(rows * blocks, false);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < perRow; ++j) {
            double v = idx->data[r * perRow + j];
            if (v == -1)
              continue;
            if (v < 0 || v >= blocks) {
              op->emitError() << "key block index " << static_cast<int64_t>(v)
                              << " at [" << r << ", " << j
                              << "] of the block indices is out of range [0, "
                              << blocks << ") (-1 marks padding)";
              return nullptr;
            }
            table[r * blocks + static_cast<int64_t>(v)] = true;
          }
        return makeMask([=](int64_t q, int64_t k) {
          return static_cast<bool>(table[(q / bq) * blocks + k / bk]);
        });
      })
      .Case([&](AllOfMaskAttr all) -> std::unique_ptr<MaskEvaluator> {
        auto result = std::make_unique<AllOf>();
        for (Attribute attr : all.getMasks()) {
          auto part = cast<MaskAttrInterface>(attr);
          unsigned n = part.getNumRuntimeOperands();
          auto eval = create(op, part, numQueries, numKeys, args.take_front(n));
          if (!eval)
            return nullptr;
          args = args.drop_front(n);
          result->parts.push_back(std::move(eval));
        }
        return result;
      })
      .Default([&](Attribute attr) -> std::unique_ptr<MaskEvaluator> {
        op->emitError() << "reference interpreter does not know mask " << attr;
        return nullptr;
      });
}
