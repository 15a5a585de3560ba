//===- fuzz-npy.cpp - libFuzzer target for the .npy reader ----------------===//

#include "cascade/Support/Npy.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<cascade::HostTensor> tensor = cascade::parseNpy(bytes);
  if (!tensor) {
    llvm::consumeError(tensor.takeError());
    return 0;
  }
  // What parses must serialize and parse back to the same values.
  std::string again = cascade::serializeNpy(*tensor);
  llvm::Expected<cascade::HostTensor> back = cascade::parseNpy(again);
  if (!back || back->shape != tensor->shape || back->dtype != tensor->dtype)
    __builtin_trap();
  for (size_t i = 0; i < tensor->data.size(); ++i) {
    double a = tensor->data[i], b = back->data[i];
    if (!(a == b || (a != a && b != b)))
      __builtin_trap();
  }
  return 0;
}
