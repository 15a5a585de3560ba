"""Writes q, k, v [1, 2, 256, 64] f32 .npy files (PREFIX{q,k,v}.npy) for
microkernel-attention.test: values uniform in [-2, 2) from SEED, and a NaN
in one query (head 0, row 5: that row's scores), one key (head 1, key 100:
a score of every row of head 1, in the second of four key blocks of 64) and
one value (head 0, key 200, column 9: that column of head 0's output)."""
import random, struct, sys
prefix, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
H, S, D = 2, 256, 64
nan = float("nan")
for name, where in (("q", (0, 5, 3)), ("k", (1, 100, 7)), ("v", (0, 200, 9))):
    vals = [rng.uniform(-2, 2) for _ in range(H * S * D)]
    h, s, d = where
    vals[(h * S + s) * D + d] = nan
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, %d, %d, %d), }" % (H, S, D)
    hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
    with open(prefix + name + ".npy", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack("<%df" % len(vals), *vals))
