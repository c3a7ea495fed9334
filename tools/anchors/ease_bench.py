"""EASE (Steck 2019) in numpy/scipy, the reference for RecForge's EASE fit: the item Gram matrix
X^T X from the sparse interactions, P = inv(G + lambda I) with np.linalg.inv (LAPACK getrf/getri
through OpenBLAS), B = -P / diag(P) with a zero diagonal. Times each stage in float64.

  python tools/anchors/ease_bench.py <dir> --threads 1 [--lambda 500]
"""
import argparse
import time

import numpy as np

from common import blas_info, blas_limit, emit, read_csr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lambda", dest="lam", type=float, default=500.0)
    a = ap.parse_args()
    x = read_csr(a.dir, "train")
    x.data[:] = 1.0
    with blas_limit(a.threads):
        t0 = time.perf_counter()
        g = (x.T @ x).toarray().astype(np.float64)
        t1 = time.perf_counter()
        g[np.diag_indices_from(g)] += a.lam
        p = np.linalg.inv(g)
        t2 = time.perf_counter()
        b = p / (-np.diag(p))
        b[np.diag_indices_from(b)] = 0.0
        t3 = time.perf_counter()
        info = blas_info()
    emit({
        "library": "numpy " + np.__version__,
        "fitSeconds": t3 - t0,
        "gramSeconds": t1 - t0,
        "invertSeconds": t2 - t1,
        "weightsSeconds": t3 - t2,
        "blas": info,
        "checksum": float(np.abs(b[:5, :5]).sum()),
    })


if __name__ == "__main__":
    main()
