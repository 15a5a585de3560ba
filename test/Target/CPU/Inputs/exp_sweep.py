"""Writes the f32 arguments of exp-accuracy.test as a .npy: a grid over
[-100, 100] in steps of 0.001, the edges of the f32 range and of the exp
approximation's clamps, signed zeros, tiny values, +-inf and NaN. With
--nonpositive, only those at most 0 and NaN (an exp whose argument is
marked cascade.nonpositive_argument)."""
import struct, sys
args = sys.argv[1:]
nonpositive = "--nonpositive" in args
path, = [a for a in args if a != "--nonpositive"]
vals = [-100 + i * 0.001 for i in range(200001)]
# Around the clamps and the edges of the f32 range; signed zeros; specials.
vals += [-88.0, -87.999, -87.9, -87.7, -87.5, -87.34, -87.33, -87.0, -86.0,
         88.3, 88.37, 88.38, 88.5, 88.7, 88.72, 88.7228, 88.73, 88.8, 89.0,
         1000.0, -1000.0, 0.0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8,
         float("inf"), float("-inf"), float("nan")]
if nonpositive:
    vals = [v for v in vals if v <= 0 or v != v]
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(vals)
hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
    f.write(struct.pack("<%df" % len(vals), *vals))
