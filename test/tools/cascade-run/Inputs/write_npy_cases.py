"""Writes hand-made .npy files, good and bad, for the cascade-run tests.

Only the standard library: the test machine has no NumPy.
"""
import struct
import sys


def npy(header_dict, payload, version=1):
    header = header_dict.encode()
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header += b" " * pad + b"\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header + payload


def main(out):
    cases = {
        # A 2x3 float32 matrix 0..5 in format 2.0.
        "good_v2_f32": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                           struct.pack("<6f", 0, 1, 2, 3, 4, 5), version=2),
        # bf16 patterns of 1.0, -2.0, 0.5 stored as <u2.
        "good_bf16": npy("{'descr': '<u2', 'fortran_order': False, 'shape': (3,), }",
                         struct.pack("<3H", 0x3F80, 0xC000, 0x3F00)),
        # f16 patterns of 1.0, -2.0, 65504 (max half).
        "good_f16": npy("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }",
                        struct.pack("<3H", 0x3C00, 0xC000, 0x7BFF)),
        "bad_magic": b"hello, not numpy",
        "bad_dtype": npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                         b"\0" * 8),
        "bad_fortran": npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                           b"\0" * 24),
        "bad_truncated": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }",
                             b"\0" * 16),
        "bad_header": npy("{'descr': '<f8', 'shape': (4,), }", b"\0" * 32),
        # Found by cascade-fuzz-npy: int64 values past 2^53 would silently
        # change in the float64 host tensors; a product of dimensions that
        # overflows int64.
        "bad_int_range": npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                             struct.pack("<2q", 3, 2**62)),
        "bad_huge_shape": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                              b"\0" * 8),
        "bad_shape": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (x,), }",
                         b"\0" * 8),
    }
    for name, data in cases.items():
        with open("%s/%s.npy" % (out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1])
