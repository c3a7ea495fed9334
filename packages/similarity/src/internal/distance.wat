;; WebAssembly SIMD distance kernels of @recforge/similarity: dot products and squared L2
;; distances of float32 rows in f32x4 lanes, one pair at a time or one query against a list of rows.
;; Pointers are byte offsets into the imported memory; n (floats per row) is a multiple of 4 and
;; rows start on 16-byte boundaries.
(module
  (import "env" "memory" (memory 1))

  ;; dot(a, b, n): two accumulators over 8 floats per iteration, one 4-float step when n % 8 == 4,
  ;; then the lanes of acc0 + acc1 summed as (l0 + l1) + (l2 + l3).
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 4))
      (then
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))))
    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  ;; l2(a, b, n): as dot, with (a - b)² in place of a · b.
  (func $l2 (export "l2") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $end i32) (local $t v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (local.tee $t (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b)))) (local.get $t))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (local.tee $t (f32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))) (local.get $t))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $next)))
    (if (i32.and (local.get $n) (i32.const 4))
      (then
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (local.tee $t (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b)))) (local.get $t))))))
    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  ;; dotMany(q, list, count, n, out): for the count i32 row offsets at list, writes dot(q, row) as
  ;; f32 from out on. It first touches one float in every 64-byte line of every row (independent
  ;; loads, so the memory system fetches the rows in parallel), summed and stored to out[0] so the
  ;; loads stay; the scoring loop then mostly hits the cache.
  (func (export "dotMany") (param $q i32) (param $list i32) (param $count i32) (param $n i32) (param $out i32)
    (local $end i32) (local $p i32) (local $row i32) (local $off i32) (local $touch f32) (local $bytes i32)
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $p (local.get $list))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $row (i32.load (local.get $p)))
        (local.set $off (i32.const 0))
        (block $lines_done
          (loop $lines
            (br_if $lines_done (i32.ge_u (local.get $off) (local.get $bytes)))
            (local.set $touch (f32.add (local.get $touch) (f32.load (i32.add (local.get $row) (local.get $off)))))
            (local.set $off (i32.add (local.get $off) (i32.const 64)))
            (br $lines)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rows)))
    (f32.store (local.get $out) (local.get $touch))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
        (f32.store (local.get $out) (call $dot (local.get $q) (i32.load (local.get $list)) (local.get $n)))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  ;; l2Many(q, list, count, n, out): as dotMany, with squared L2 distances.
  (func (export "l2Many") (param $q i32) (param $list i32) (param $count i32) (param $n i32) (param $out i32)
    (local $end i32) (local $p i32) (local $row i32) (local $off i32) (local $touch f32) (local $bytes i32)
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $p (local.get $list))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $row (i32.load (local.get $p)))
        (local.set $off (i32.const 0))
        (block $lines_done
          (loop $lines
            (br_if $lines_done (i32.ge_u (local.get $off) (local.get $bytes)))
            (local.set $touch (f32.add (local.get $touch) (f32.load (i32.add (local.get $row) (local.get $off)))))
            (local.set $off (i32.add (local.get $off) (i32.const 64)))
            (br $lines)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $rows)))
    (f32.store (local.get $out) (local.get $touch))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
        (f32.store (local.get $out) (call $l2 (local.get $q) (i32.load (local.get $list)) (local.get $n)))
        (local.set $list (i32.add (local.get $list) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  ;; ---- HNSW layer-0 search. The heaps are binary heaps of (f32 key, i32 id) at two byte
  ;; pointers, with the comparisons of @recforge/compute's heapPush/heapPop, so a heap written here
  ;; is popped there and the same inputs give the same graph as the TypeScript search.

  ;; minPush(keys, ids, size, key, id): push onto a min-heap of size entries.
  (func $minPush (param $k i32) (param $ids i32) (param $i i32) (param $key f32) (param $id i32)
    (local $p i32) (local $pk f32)
    (block $done
      (loop $up
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $p (i32.shr_u (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))
        (local.set $pk (f32.load (i32.add (local.get $k) (i32.shl (local.get $p) (i32.const 2)))))
        (br_if $done (f32.le (local.get $pk) (local.get $key)))
        (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $pk))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $i (local.get $p))
        (br $up)))
    (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $key))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))) (local.get $id)))

  ;; maxPush(keys, ids, size, key, id): push onto a max-heap of size entries.
  (func $maxPush (param $k i32) (param $ids i32) (param $i i32) (param $key f32) (param $id i32)
    (local $p i32) (local $pk f32)
    (block $done
      (loop $up
        (br_if $done (i32.eqz (local.get $i)))
        (local.set $p (i32.shr_u (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))
        (local.set $pk (f32.load (i32.add (local.get $k) (i32.shl (local.get $p) (i32.const 2)))))
        (br_if $done (f32.ge (local.get $pk) (local.get $key)))
        (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $pk))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $i (local.get $p))
        (br $up)))
    (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $key))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))) (local.get $id)))

  ;; minPop(keys, ids, size): remove the root of a min-heap holding size + 1 entries.
  (func $minPop (param $k i32) (param $ids i32) (param $size i32)
    (local $key f32) (local $id i32) (local $i i32) (local $c i32) (local $ck f32) (local $c2k f32)
    (if (i32.eqz (local.get $size)) (then (return)))
    (local.set $key (f32.load (i32.add (local.get $k) (i32.shl (local.get $size) (i32.const 2)))))
    (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $size) (i32.const 2)))))
    (block $done
      (loop $down
        (local.set $c (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $c) (local.get $size)))
        (local.set $ck (f32.load (i32.add (local.get $k) (i32.shl (local.get $c) (i32.const 2)))))
        (if (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $size))
          (then
            (local.set $c2k (f32.load offset=4 (i32.add (local.get $k) (i32.shl (local.get $c) (i32.const 2)))))
            (if (f32.lt (local.get $c2k) (local.get $ck))
              (then
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (local.set $ck (local.get $c2k))))))
        (br_if $done (f32.ge (local.get $ck) (local.get $key)))
        (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $ck))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $i (local.get $c))
        (br $down)))
    (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $key))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))) (local.get $id)))

  ;; maxPop(keys, ids, size): remove the root of a max-heap holding size + 1 entries.
  (func $maxPop (param $k i32) (param $ids i32) (param $size i32)
    (local $key f32) (local $id i32) (local $i i32) (local $c i32) (local $ck f32) (local $c2k f32)
    (if (i32.eqz (local.get $size)) (then (return)))
    (local.set $key (f32.load (i32.add (local.get $k) (i32.shl (local.get $size) (i32.const 2)))))
    (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $size) (i32.const 2)))))
    (block $done
      (loop $down
        (local.set $c (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $c) (local.get $size)))
        (local.set $ck (f32.load (i32.add (local.get $k) (i32.shl (local.get $c) (i32.const 2)))))
        (if (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $size))
          (then
            (local.set $c2k (f32.load offset=4 (i32.add (local.get $k) (i32.shl (local.get $c) (i32.const 2)))))
            (if (f32.gt (local.get $c2k) (local.get $ck))
              (then
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (local.set $ck (local.get $c2k))))))
        (br_if $done (f32.le (local.get $ck) (local.get $key)))
        (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $ck))
        (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $ids) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $i (local.get $c))
        (br $down)))
    (f32.store (i32.add (local.get $k) (i32.shl (local.get $i) (i32.const 2))) (local.get $key))
    (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))) (local.get $id)))

  ;; search0(q, ep, ef, epoch, flags, n, rows, links, stride, visited, deleted, candD, candI, resD,
  ;; resI, list, out) -> resN: HNSW's best-first search of layer 0 from node ep for the query row at
  ;; byte q (n floats). Node e's row is at rows + e·4n, its links at links + e·stride (a count, then
  ;; the linked nodes), its visited mark the u32 at visited + 4e and its deleted flag the byte at
  ;; deleted + e. flags: bit 0 keeps deleted nodes out of the results (they still route), bit 1
  ;; scores by the negated dot product (else squared L2). Marks visited nodes with epoch; leaves the
  ;; ef best in the result max-heap and returns its size. list holds the unvisited neighbours of
  ;; the node being expanded (as many as a node has links); out receives the touch sum.
  (func (export "search0") (param $q i32) (param $ep i32) (param $ef i32) (param $epoch i32) (param $flags i32)
      (param $n i32) (param $rows i32) (param $links i32) (param $stride i32) (param $visited i32) (param $deleted i32)
      (param $candD i32) (param $candI i32) (param $resD i32) (param $resI i32) (param $list i32) (param $out i32)
      (result i32)
    (local $candN i32) (local $resN i32) (local $rowBytes i32) (local $dd f32) (local $c i32)
    (local $lp i32) (local $cnt i32) (local $j i32) (local $e i32) (local $m i32) (local $row i32)
    (local $off i32) (local $touch f32) (local $ip i32) (local $check i32)
    (local.set $ip (i32.and (local.get $flags) (i32.const 2)))
    (local.set $check (i32.and (local.get $flags) (i32.const 1)))
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $row (i32.add (local.get $rows) (i32.mul (local.get $ep) (local.get $rowBytes))))
    (if (local.get $ip)
      (then (local.set $dd (f32.neg (call $dot (local.get $q) (local.get $row) (local.get $n)))))
      (else (local.set $dd (call $l2 (local.get $q) (local.get $row) (local.get $n)))))
    (i32.store (i32.add (local.get $visited) (i32.shl (local.get $ep) (i32.const 2))) (local.get $epoch))
    (call $minPush (local.get $candD) (local.get $candI) (i32.const 0) (local.get $dd) (local.get $ep))
    (local.set $candN (i32.const 1))
    (if (i32.or (i32.eqz (local.get $check)) (i32.eqz (i32.load8_u (i32.add (local.get $deleted) (local.get $ep)))))
      (then
        (call $maxPush (local.get $resD) (local.get $resI) (i32.const 0) (local.get $dd) (local.get $ep))
        (local.set $resN (i32.const 1))))
    (block $end
      (loop $main
        (br_if $end (i32.eqz (local.get $candN)))
        (br_if $end (i32.and
          (i32.ge_u (local.get $resN) (local.get $ef))
          (f32.gt (f32.load (local.get $candD)) (f32.load (local.get $resD)))))
        (local.set $c (i32.load (local.get $candI)))
        (local.set $candN (i32.sub (local.get $candN) (i32.const 1)))
        (call $minPop (local.get $candD) (local.get $candI) (local.get $candN))
        ;; the unvisited neighbours of c, marked visited
        (local.set $lp (i32.add (local.get $links) (i32.mul (local.get $c) (local.get $stride))))
        (local.set $cnt (i32.load (local.get $lp)))
        (local.set $m (i32.const 0))
        (local.set $j (i32.const 0))
        (block $gathered
          (loop $gather
            (br_if $gathered (i32.ge_u (local.get $j) (local.get $cnt)))
            (local.set $lp (i32.add (local.get $lp) (i32.const 4)))
            (local.set $e (i32.load (local.get $lp)))
            (if (i32.ne (i32.load (i32.add (local.get $visited) (i32.shl (local.get $e) (i32.const 2)))) (local.get $epoch))
              (then
                (i32.store (i32.add (local.get $visited) (i32.shl (local.get $e) (i32.const 2))) (local.get $epoch))
                (i32.store (i32.add (local.get $list) (i32.shl (local.get $m) (i32.const 2))) (local.get $e))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $gather)))
        ;; touch one float per 64-byte line of each listed row first (as dotMany), then score
        (local.set $j (i32.const 0))
        (block $touched
          (loop $touch_rows
            (br_if $touched (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $row (i32.add (local.get $rows)
              (i32.mul (i32.load (i32.add (local.get $list) (i32.shl (local.get $j) (i32.const 2)))) (local.get $rowBytes))))
            (local.set $off (i32.const 0))
            (block $lines_done
              (loop $lines
                (br_if $lines_done (i32.ge_u (local.get $off) (local.get $rowBytes)))
                (local.set $touch (f32.add (local.get $touch) (f32.load (i32.add (local.get $row) (local.get $off)))))
                (local.set $off (i32.add (local.get $off) (i32.const 64)))
                (br $lines)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $touch_rows)))
        (local.set $j (i32.const 0))
        (block $scored
          (loop $score
            (br_if $scored (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $e (i32.load (i32.add (local.get $list) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $row (i32.add (local.get $rows) (i32.mul (local.get $e) (local.get $rowBytes))))
            (if (local.get $ip)
              (then (local.set $dd (f32.neg (call $dot (local.get $q) (local.get $row) (local.get $n)))))
              (else (local.set $dd (call $l2 (local.get $q) (local.get $row) (local.get $n)))))
            (if (i32.or (i32.lt_u (local.get $resN) (local.get $ef)) (f32.lt (local.get $dd) (f32.load (local.get $resD))))
              (then
                (call $minPush (local.get $candD) (local.get $candI) (local.get $candN) (local.get $dd) (local.get $e))
                (local.set $candN (i32.add (local.get $candN) (i32.const 1)))
                (if (i32.or (i32.eqz (local.get $check)) (i32.eqz (i32.load8_u (i32.add (local.get $deleted) (local.get $e)))))
                  (then
                    (call $maxPush (local.get $resD) (local.get $resI) (local.get $resN) (local.get $dd) (local.get $e))
                    (local.set $resN (i32.add (local.get $resN) (i32.const 1)))
                    (if (i32.gt_u (local.get $resN) (local.get $ef))
                      (then
                        (local.set $resN (i32.sub (local.get $resN) (i32.const 1)))
                        (call $maxPop (local.get $resD) (local.get $resI) (local.get $resN))))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $score)))
        (br $main)))
    (f32.store (local.get $out) (local.get $touch))
    (local.get $resN)))

