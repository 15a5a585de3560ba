//===- Npy.cpp - NumPy .npy files -----------------------------------------===//

#include "cascade/Support/Npy.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace cascade;
using llvm::SmallVector;
using llvm::StringRef;

StringRef cascade::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::f64:
    return "f64";
  case DType::f32:
    return "f32";
  case DType::f16:
    return "f16";
  case DType::bf16:
    return "bf16";
  case DType::i64:
    return "i64";
  case DType::i32:
    return "i32";
  case DType::i1:
    return "i1";
  }
  return "?";
}

bool cascade::isFloatDType(DType dtype) {
  return dtype == DType::f64 || dtype == DType::f32 || dtype == DType::f16 ||
         dtype == DType::bf16;
}

std::string HostTensor::describe() const {
  std::string s;
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + dtypeName(dtype).str();
}

static const llvm::fltSemantics &semanticsOf(DType dtype) {
  return dtype == DType::f16 ? llvm::APFloat::IEEEhalf()
                             : llvm::APFloat::BFloat();
}

static uint16_t toHalfBits(double value, DType dtype) {
  llvm::APFloat f(value);
  bool lost;
  f.convert(semanticsOf(dtype), llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

static double fromHalfBits(uint16_t bits, DType dtype) {
  return llvm::APFloat(semanticsOf(dtype), llvm::APInt(16, bits))
      .convertToDouble();
}

double cascade::roundToDType(double value, DType dtype) {
  switch (dtype) {
  case DType::f64:
    return value;
  case DType::f32:
    return static_cast<double>(static_cast<float>(value));
  case DType::f16:
  case DType::bf16:
    return fromHalfBits(toHalfBits(value, dtype), dtype);
  case DType::i64:
  case DType::i32:
    return std::isfinite(value) ? std::trunc(value) : 0.0;
  case DType::i1:
    return value != 0.0 ? 1.0 : 0.0;
  }
  return value;
}

namespace {
struct DescrInfo {
  const char *descr;
  DType dtype;
  unsigned bytes;
};
} // namespace

// First match wins when writing; all are accepted when reading.
static const DescrInfo kDescrs[] = {
    {"<f8", DType::f64, 8},  {"<f4", DType::f32, 4},  {"<f2", DType::f16, 2},
    {"<u2", DType::bf16, 2}, {"<V2", DType::bf16, 2}, {"<i8", DType::i64, 8},
    {"<i4", DType::i32, 4},  {"|b1", DType::i1, 1},   {"<b1", DType::i1, 1},
    {"|u1", DType::i1, 1}};

static llvm::Error npyError(StringRef name, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "'" + name + "': " + msg);
}

/// Value of `key` in the header dict, e.g. 'descr': '<f4' -> <f4 (quotes
/// stripped) or 'shape': (2, 3) -> (2, 3).
static std::optional<StringRef> headerField(StringRef header, StringRef key) {
  std::string quoted = "'" + key.str() + "'";
  size_t pos = header.find(quoted);
  if (pos == StringRef::npos)
    return std::nullopt;
  StringRef rest = header.drop_front(pos + quoted.size()).ltrim();
  if (!rest.consume_front(":"))
    return std::nullopt;
  rest = rest.ltrim();
  if (rest.starts_with("'")) {
    size_t end = rest.find('\'', 1);
    if (end == StringRef::npos)
      return std::nullopt;
    return rest.substr(1, end - 1);
  }
  if (rest.starts_with("(")) {
    size_t end = rest.find(')');
    if (end == StringRef::npos)
      return std::nullopt;
    return rest.substr(0, end + 1);
  }
  size_t end = rest.find_first_of(",}");
  return rest.substr(0, end).trim();
}

/// float64 to an integer type, saturating (NaN gives 0) instead of the
/// undefined behaviour of an out-of-range cast.
template <typename Int> static Int saturate(double value) {
  if (std::isnan(value))
    return 0;
  // 2^(bits - 1) is exact in float64; anything at or past it saturates.
  constexpr double kLimit = double(std::numeric_limits<Int>::max()) + 1.0;
  if (value >= kLimit)
    return std::numeric_limits<Int>::max();
  if (value < -kLimit)
    return std::numeric_limits<Int>::min();
  return static_cast<Int>(value);
}

llvm::Expected<HostTensor> cascade::parseNpy(StringRef bytes, StringRef name) {
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return npyError(name, "not a .npy file (bad magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return npyError(name, "truncated header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i]))
                   << (8 * i);
    headerStart = 12;
  } else {
    return npyError(name, "unsupported .npy version " + llvm::Twine(major));
  }
  if (bytes.size() < headerStart + headerLen)
    return npyError(name, "truncated header");
  StringRef header = bytes.substr(headerStart, headerLen);

  std::optional<StringRef> descr = headerField(header, "descr");
  std::optional<StringRef> fortran = headerField(header, "fortran_order");
  std::optional<StringRef> shapeText = headerField(header, "shape");
  if (!descr || !fortran || !shapeText)
    return npyError(name, "malformed header: " + header.trim());
  if (*fortran != "False")
    return npyError(name, "Fortran-order arrays are not supported; save with "
                          "np.ascontiguousarray");
  const DescrInfo *info = nullptr;
  for (const DescrInfo &d : kDescrs)
    if (*descr == d.descr)
      info = &d;
  if (!info)
    return npyError(name, "unsupported dtype '" + *descr +
                              "' (supported: <f8 <f4 <f2 <i8 <i4 |b1, bf16 "
                              "as <u2)");

  HostTensor tensor;
  tensor.dtype = info->dtype;
  StringRef dims = shapeText->drop_front().drop_back();
  SmallVector<StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return npyError(name, "malformed shape " + *shapeText);
    tensor.shape.push_back(dim);
  }
  StringRef payload = bytes.drop_front(headerStart + headerLen);
  // A huge shape must not overflow the element or byte count.
  int64_t count = 1, byteCount = 0;
  for (int64_t dim : tensor.shape)
    if (llvm::MulOverflow(count, dim, count))
      return npyError(name, "shape " + *shapeText + " is too large");
  if (llvm::MulOverflow(count, static_cast<int64_t>(info->bytes), byteCount))
    return npyError(name, "shape " + *shapeText + " is too large");
  if (payload.size() != static_cast<size_t>(byteCount))
    return npyError(name, "holds " + llvm::Twine(payload.size()) +
                              " data bytes, the header promises " +
                              llvm::Twine(byteCount));
  tensor.data.resize(count);
  const char *p = payload.data();
  for (int64_t i = 0; i < count; ++i, p += info->bytes) {
    switch (info->dtype) {
    case DType::f64: {
      double v;
      std::memcpy(&v, p, 8);
      tensor.data[i] = v;
      break;
    }
    case DType::f32: {
      float v;
      std::memcpy(&v, p, 4);
      tensor.data[i] = v;
      break;
    }
    case DType::f16:
    case DType::bf16: {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      tensor.data[i] = fromHalfBits(bits, info->dtype);
      break;
    }
    case DType::i64: {
      int64_t v;
      std::memcpy(&v, p, 8);
      // Values are held in float64: larger integers would change silently.
      constexpr int64_t kExact = int64_t(1) << 53;
      if (v > kExact || v < -kExact)
        return npyError(name, "int64 value " + llvm::Twine(v) +
                                  " at flat index " + llvm::Twine(i) +
                                  " is beyond 2^53, which Cascade's host "
                                  "tensors hold exactly");
      tensor.data[i] = double(v);
      break;
    }
    case DType::i32: {
      int32_t v;
      std::memcpy(&v, p, 4);
      tensor.data[i] = v;
      break;
    }
    case DType::i1:
      tensor.data[i] = *p ? 1.0 : 0.0;
      break;
    }
  }
  return tensor;
}

llvm::Expected<HostTensor> cascade::readNpy(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return npyError(path, "cannot read: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string cascade::serializeNpy(const HostTensor &tensor) {
  const DescrInfo *info = nullptr;
  for (const DescrInfo &d : kDescrs)
    if (d.dtype == tensor.dtype) {
      info = &d;
      break;
    }
  // NumPy tuple syntax: (), (5,), (2, 3).
  std::string shape = "(";
  for (auto [i, d] : llvm::enumerate(tensor.shape))
    shape += (i ? ", " : "") + std::to_string(d);
  shape += tensor.shape.size() == 1 ? ",)" : ")";
  std::string header = "{'descr': '" + std::string(info->descr) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  for (double value : tensor.data) {
    char buf[8];
    switch (tensor.dtype) {
    case DType::f64:
      std::memcpy(buf, &value, 8);
      break;
    case DType::f32: {
      float v = float(value);
      std::memcpy(buf, &v, 4);
      break;
    }
    case DType::f16:
    case DType::bf16: {
      uint16_t bits = toHalfBits(value, tensor.dtype);
      std::memcpy(buf, &bits, 2);
      break;
    }
    case DType::i64: {
      int64_t v = saturate<int64_t>(value);
      std::memcpy(buf, &v, 8);
      break;
    }
    case DType::i32: {
      int32_t v = saturate<int32_t>(value);
      std::memcpy(buf, &v, 4);
      break;
    }
    case DType::i1:
      buf[0] = value != 0.0;
      break;
    }
    out.append(buf, info->bytes);
  }
  return out;
}

llvm::Error cascade::writeNpy(StringRef path, const HostTensor &tensor) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return npyError(path, "cannot write: " + ec.message());
  os << serializeNpy(tensor);
  os.close();
  if (os.has_error())
    return npyError(path, "write failed: " + os.error().message());
  return llvm::Error::success();
}
