"""Block classes of random #cascade.neighborhood masks against brute force.

    python3 neighborhood-classes.py CASCADE_OPT SEED CASES

Draws 1-3-D grids, windows, dilations (window * dilation <= grid size) and
block shapes, runs --cascade-sparsify, and compares every folded class with
the class computed point by point from NATTEN's rule (written here again,
independently of the compiler and of the reference interpreter). Exits 1 on
any difference; the folded class must be exact, not merely safe.
"""
import random
import re
import subprocess
import sys


def in_window(x, y, length, kernel, dilation):
    if x % dilation != y % dilation:
        return False
    residue = x % dilation
    group = (length - residue + dilation - 1) // dilation
    start = max(0, min(x // dilation - kernel // 2, group - kernel))
    return start <= y // dilation < start + kernel


def kept(q, k, grid, kernel, dilation):
    for d in reversed(range(len(grid))):  # row-major, last dimension fastest
        if not in_window(q % grid[d], k % grid[d], grid[d], kernel[d], dilation[d]):
            return False
        q //= grid[d]
        k //= grid[d]
    return True


def folded_table(text, rows, cols):
    m = re.search(r"dense<(.*?)> : tensor<%dx%dxi8>" % (rows, cols), text)
    if not m:
        return None
    body = m.group(1)
    if body.startswith('"0x'):  # large constants print as hex bytes
        digits = body[3:-1]
        values = [int(digits[i:i + 2], 16) for i in range(0, len(digits), 2)]
    else:
        values = [int(v) for v in re.findall(r"-?\d+", body)]
    if len(values) == 1:  # a splat
        values *= rows * cols
    return [values[r * cols:(r + 1) * cols] for r in range(rows)]


def main():
    opt, seed, cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    failures = checked = 0
    counts = [0, 0, 0]
    while checked < cases:
        rank = rng.randint(1, 3)
        grid, kernel, dilation = [], [], []
        for _ in range(rank):
            dil = rng.choice([1, 1, 2, 3])
            ker = rng.randint(1, 4)
            grid.append(rng.randint(ker * dil, ker * dil + 5))
            kernel.append(ker)
            dilation.append(dil)
        cells = 1
        for g in grid:
            cells *= g
        if cells > 300:
            continue
        bq, bk = rng.randint(1, 9), rng.randint(1, 9)
        mask = "#cascade.neighborhood<grid = %s, kernel = %s, dilation = %s>" % (grid, kernel, dilation)
        source = ('func.func @f(%%s: tensor<%dx%dxf64>) -> tensor<%dxf64> {\n'
                  '  %%0 = cascade.einsum "pm->p" ins(%%s : tensor<%dx%dxf64>) reduce(add) '
                  'mask(%s on "p", "m") -> tensor<%dxf64>\n'
                  '  return %%0 : tensor<%dxf64>\n}\n') % (cells, cells, cells, cells, cells, mask, cells, cells)
        run = subprocess.run([opt, "-", "--cascade-sparsify=query-block=%d key-block=%d" % (bq, bk)],
                             input=source, capture_output=True, text=True)
        rows, cols = (cells + bq - 1) // bq, (cells + bk - 1) // bk
        expected = []
        for qb in range(rows):
            row = []
            for kb in range(cols):
                points = [kept(q, k, grid, kernel, dilation)
                          for q in range(qb * bq, min(cells, qb * bq + bq))
                          for k in range(kb * bk, min(cells, kb * bk + bk))]
                row.append(2 if all(points) else 1 if any(points) else 0)
                counts[row[-1]] += 1
            expected.append(row)
        got = folded_table(run.stdout, rows, cols)
        checked += 1
        if got != expected:
            failures += 1
            print("FAIL %s blocks [%d, %d]: folded %s, expected %s %s"
                  % (mask, bq, bk, got, expected, run.stderr.strip()[:200]))
    print("neighborhood classes: %d masks, %d failures (seed %d; blocks: %d empty, %d partial, %d full)"
          % (checked, failures, seed, counts[0], counts[1], counts[2]))
    sys.exit(1 if failures else 0)


main()
