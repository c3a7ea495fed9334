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
        (br $next)))))
