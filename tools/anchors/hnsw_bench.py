"""hnswlib (Debian's python3-hnswlib) on the vectors the RecForge side wrote (`vectors`, `queries`
dense float32, `truth` the exact top-10 as float32 ids): build seconds with `--threads`, then
recall@10 and queries per second for each ef. Queries run through knn_query one at a time
(as RecForge and hnswlib-node answer them) and, as a second figure, in one batch call on one
thread, the library's fastest path.

  python tools/anchors/hnsw_bench.py <dir> --metric cosine|l2|ip --threads 1 [--ef 16,32,...]
"""
import argparse
import time

import numpy as np

from common import emit, read_dense


def recall(truth, got):
    hit = 0
    for t, g in zip(truth, got):
        hit += len(set(t.tolist()) & set(g.tolist()))
    return hit / truth.size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--metric", choices=["cosine", "l2", "ip"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ef", default="16,32,64,128,256")
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=200)
    a = ap.parse_args()
    import hnswlib

    vectors = read_dense(a.dir, "vectors")
    queries = read_dense(a.dir, "queries")
    truth = read_dense(a.dir, "truth").astype(np.int64)
    k = truth.shape[1]
    n, d = vectors.shape
    index = hnswlib.Index(space=a.metric, dim=d)
    t0 = time.perf_counter()
    index.init_index(max_elements=n, ef_construction=a.ef_construction, M=a.M, random_seed=100)
    index.add_items(vectors, np.arange(n), num_threads=a.threads if a.threads > 0 else -1)
    build = time.perf_counter() - t0
    points = []
    for ef in [int(x) for x in a.ef.split(",")]:
        index.set_ef(ef)
        t0 = time.perf_counter()
        got = [index.knn_query(queries[i: i + 1], k=k, num_threads=1)[0][0] for i in range(len(queries))]
        single = time.perf_counter() - t0
        t0 = time.perf_counter()
        labels, _ = index.knn_query(queries, k=k, num_threads=1)
        batch = time.perf_counter() - t0
        points.append({
            "ef": ef,
            "recall10": recall(truth, np.array(got)),
            "qps": len(queries) / single,
            "qpsBatch": len(queries) / batch,
            "recall10Batch": recall(truth, labels),
        })
    emit({"library": "hnswlib 0.6.2 (Debian)", "buildSeconds": build, "points": points})


if __name__ == "__main__":
    main()
