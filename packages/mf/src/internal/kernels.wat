;; WebAssembly SIMD kernels of @recforge/mf. Pointers are byte offsets into the imported memory.
;;
;; cg: conjugate-gradient ALS half-step (Hu, Koren & Volinsky 2008, as the implicit library solves
;; it) in f32x4 SIMD. All pointers are byte offsets into the imported memory; k must be a
;; multiple of 4. For rows start..end of the CSR (indptr, indices, values), solves
;; (G + sum (c-1) y y^T + extra I) x = sum c p y with G = Y^T Y + reg I (k x k at gram) and
;; extra = countL2 (n - 1) for a row of n >= 1 entries, warm-started from the row of out, in
;; cgSteps steps, and writes x back to out. scratch holds 4k floats.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; a . b over k floats
  (func $dot (param $a i32) (param $b i32) (param $k i32) (result f32)
    (local $end i32) (local $s0 v128) (local $s1 v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $s0 (v128.const i64x2 0 0))
    (local.set $s1 (v128.const i64x2 0 0))
    (block $tail
      (loop $l8
        (br_if $tail (i32.gt_u (i32.add (local.get $a) (i32.const 32)) (local.get $end)))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br $l8)))
    (if (i32.lt_u (local.get $a) (local.get $end))
      (then (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))))
    (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
      (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))

  ;; y += s * x over k floats
  (func $axpy (param $s f32) (param $x i32) (param $y i32) (param $k i32)
    (local $end i32) (local $sv v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $sv (f32x4.splat (local.get $s)))
    (block $tail
      (loop $l8
        (br_if $tail (i32.gt_u (i32.add (local.get $x) (i32.const 32)) (local.get $end)))
        (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $sv) (v128.load (local.get $x)))))
        (v128.store offset=16 (local.get $y) (f32x4.add (v128.load offset=16 (local.get $y)) (f32x4.mul (local.get $sv) (v128.load offset=16 (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 32)))
        (local.set $y (i32.add (local.get $y) (i32.const 32)))
        (br $l8)))
    (if (i32.lt_u (local.get $x) (local.get $end))
      (then (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $sv) (v128.load (local.get $x))))))))

  ;; out = s * G x (G symmetric k x k, so out = s * sum_g x[g] G[g,:])
  (func $gemv (param $s f32) (param $g i32) (param $x i32) (param $out i32) (param $k i32)
    (local $j i32) (local $row i32)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $k) (i32.const 2)))
    (local.set $row (local.get $g))
    (local.set $j (i32.const 0))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (call $axpy
          (f32.mul (local.get $s) (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2)))))
          (local.get $row) (local.get $out) (local.get $k))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rows))))

  ;; The per-entry dot products and updates are inlined (the same f32x4 sums, in the same order,
  ;; as $dot and $axpy): a call per entry cost about a fifth of the half-step.
  (func (export "cg")
    (param $start i32) (param $end i32) (param $k i32) (param $indptr i32) (param $indices i32)
    (param $values i32) (param $fixed i32) (param $gram i32) (param $alpha f32) (param $out i32)
    (param $steps i32) (param $countL2 f32) (param $scratch i32)
    (local $u i32) (local $e i32) (local $e1 i32) (local $kb i32) (local $xo i32)
    (local $x i32) (local $r i32) (local $p i32) (local $ap i32) (local $y i32)
    (local $v f32) (local $cm1 f32) (local $w f32) (local $rs f32) (local $rsNew f32) (local $pap f32)
    (local $step f32) (local $beta f32) (local $it i32) (local $f i32)
    (local $s0 v128) (local $s1 v128) (local $sv v128) (local $d f32) (local $extra f32)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $x (local.get $scratch))
    (local.set $r (i32.add (local.get $x) (local.get $kb)))
    (local.set $p (i32.add (local.get $r) (local.get $kb)))
    (local.set $ap (i32.add (local.get $p) (local.get $kb)))
    (local.set $u (local.get $start))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $xo (i32.add (local.get $out) (i32.mul (local.get $u) (local.get $kb))))
        (memory.copy (local.get $x) (local.get $xo) (local.get $kb))
        ;; r = b - A x = sum (c p - (c-1) y.x) y - G x - extra x
        (call $gemv (f32.const -1) (local.get $gram) (local.get $x) (local.get $r) (local.get $k))
        (local.set $e (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $e1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $extra (f32.const 0))
        (if (i32.gt_u (local.get $e1) (local.get $e))
          (then (local.set $extra (f32.mul (local.get $countL2)
            (f32.convert_i32_u (i32.sub (i32.sub (local.get $e1) (local.get $e)) (i32.const 1)))))))
        (if (f32.ne (local.get $extra) (f32.const 0))
          (then (call $axpy (f32.neg (local.get $extra)) (local.get $x) (local.get $r) (local.get $k))))
        (block $nnzDone
          (loop $nnz
            (br_if $nnzDone (i32.ge_u (local.get $e) (local.get $e1)))
            (local.set $v (f32.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2)))))
            (local.set $cm1 (f32.mul (local.get $alpha) (f32.abs (local.get $v))))
            (local.set $y (i32.add (local.get $fixed)
              (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $kb))))
            (local.set $s0 (v128.const i64x2 0 0))
            (local.set $s1 (v128.const i64x2 0 0))
            (local.set $f (i32.const 0))
            (block $dotTail$d
              (loop $dot$d
                (br_if $dotTail$d (i32.gt_u (i32.add (local.get $f) (i32.const 32)) (local.get $kb)))
                (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $f))) (v128.load (i32.add (local.get $x) (local.get $f))))))
                (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $y) (local.get $f))) (v128.load offset=16 (i32.add (local.get $x) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 32)))
                (br $dot$d)))
            (if (i32.lt_u (local.get $f) (local.get $kb))
              (then (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $f))) (v128.load (i32.add (local.get $x) (local.get $f))))))))
            (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
            (local.set $d
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
                (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))
            ;; w = c * [v > 0] - (c - 1) * (y . x)
            (local.set $w (f32.mul (f32.neg (local.get $cm1)) (local.get $d)))
            (if (f32.gt (local.get $v) (f32.const 0))
              (then (local.set $w (f32.add (local.get $w) (f32.add (f32.const 1) (local.get $cm1))))))
            (local.set $sv (f32x4.splat (local.get $w)))
            (local.set $f (i32.const 0))
            (block $axTailR
              (loop $axR
                (br_if $axTailR (i32.gt_u (i32.add (local.get $f) (i32.const 32)) (local.get $kb)))
                (v128.store (i32.add (local.get $r) (local.get $f))
                  (f32x4.add (v128.load (i32.add (local.get $r) (local.get $f))) (f32x4.mul (local.get $sv) (v128.load (i32.add (local.get $y) (local.get $f))))))
                (v128.store offset=16 (i32.add (local.get $r) (local.get $f))
                  (f32x4.add (v128.load offset=16 (i32.add (local.get $r) (local.get $f))) (f32x4.mul (local.get $sv) (v128.load offset=16 (i32.add (local.get $y) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 32)))
                (br $axR)))
            (if (i32.lt_u (local.get $f) (local.get $kb))
              (then (v128.store (i32.add (local.get $r) (local.get $f))
                (f32x4.add (v128.load (i32.add (local.get $r) (local.get $f))) (f32x4.mul (local.get $sv) (v128.load (i32.add (local.get $y) (local.get $f))))))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $nnz)))
        (memory.copy (local.get $p) (local.get $r) (local.get $kb))
        (local.set $rs (call $dot (local.get $r) (local.get $r) (local.get $k)))
        (local.set $it (i32.const 0))
        (block $cgDone
          (loop $cg
            (br_if $cgDone (i32.ge_u (local.get $it) (local.get $steps)))
            (br_if $cgDone (i32.eqz (f32.gt (local.get $rs) (f32.const 1e-20))))
            ;; ap = A p = G p + extra p + sum (c-1) (y.p) y
            (call $gemv (f32.const 1) (local.get $gram) (local.get $p) (local.get $ap) (local.get $k))
            (if (f32.ne (local.get $extra) (f32.const 0))
              (then (call $axpy (local.get $extra) (local.get $p) (local.get $ap) (local.get $k))))
            (local.set $e (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
            (block $nnz2Done
              (loop $nnz2
                (br_if $nnz2Done (i32.ge_u (local.get $e) (local.get $e1)))
                (local.set $v (f32.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2)))))
                (local.set $y (i32.add (local.get $fixed)
                  (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $kb))))
            (local.set $s0 (v128.const i64x2 0 0))
            (local.set $s1 (v128.const i64x2 0 0))
            (local.set $f (i32.const 0))
            (block $dotTail$d
              (loop $dot$d
                (br_if $dotTail$d (i32.gt_u (i32.add (local.get $f) (i32.const 32)) (local.get $kb)))
                (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $f))) (v128.load (i32.add (local.get $p) (local.get $f))))))
                (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $y) (local.get $f))) (v128.load offset=16 (i32.add (local.get $p) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 32)))
                (br $dot$d)))
            (if (i32.lt_u (local.get $f) (local.get $kb))
              (then (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $f))) (v128.load (i32.add (local.get $p) (local.get $f))))))))
            (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
            (local.set $d
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
                (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))
                (local.set $w (f32.mul (f32.mul (local.get $alpha) (f32.abs (local.get $v))) (local.get $d)))
            (local.set $sv (f32x4.splat (local.get $w)))
            (local.set $f (i32.const 0))
            (block $axTailP
              (loop $axP
                (br_if $axTailP (i32.gt_u (i32.add (local.get $f) (i32.const 32)) (local.get $kb)))
                (v128.store (i32.add (local.get $ap) (local.get $f))
                  (f32x4.add (v128.load (i32.add (local.get $ap) (local.get $f))) (f32x4.mul (local.get $sv) (v128.load (i32.add (local.get $y) (local.get $f))))))
                (v128.store offset=16 (i32.add (local.get $ap) (local.get $f))
                  (f32x4.add (v128.load offset=16 (i32.add (local.get $ap) (local.get $f))) (f32x4.mul (local.get $sv) (v128.load offset=16 (i32.add (local.get $y) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 32)))
                (br $axP)))
            (if (i32.lt_u (local.get $f) (local.get $kb))
              (then (v128.store (i32.add (local.get $ap) (local.get $f))
                (f32x4.add (v128.load (i32.add (local.get $ap) (local.get $f))) (f32x4.mul (local.get $sv) (v128.load (i32.add (local.get $y) (local.get $f))))))))
                (local.set $e (i32.add (local.get $e) (i32.const 1)))
                (br $nnz2)))
            (local.set $pap (call $dot (local.get $p) (local.get $ap) (local.get $k)))
            (br_if $cgDone (i32.eqz (f32.gt (local.get $pap) (f32.const 0))))
            (local.set $step (f32.div (local.get $rs) (local.get $pap)))
            (call $axpy (local.get $step) (local.get $p) (local.get $x) (local.get $k))
            (call $axpy (f32.neg (local.get $step)) (local.get $ap) (local.get $r) (local.get $k))
            (local.set $rsNew (call $dot (local.get $r) (local.get $r) (local.get $k)))
            (local.set $beta (f32.div (local.get $rsNew) (local.get $rs)))
            ;; p = r + beta p
            (local.set $f (i32.const 0))
            (block $pDone
              (loop $pl
                (br_if $pDone (i32.ge_u (local.get $f) (local.get $kb)))
                (v128.store (i32.add (local.get $p) (local.get $f))
                  (f32x4.add (v128.load (i32.add (local.get $r) (local.get $f)))
                    (f32x4.mul (f32x4.splat (local.get $beta)) (v128.load (i32.add (local.get $p) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (br $pl)))
            (local.set $rs (local.get $rsNew))
            (local.set $it (i32.add (local.get $it) (i32.const 1)))
            (br $cg)))
        (memory.copy (local.get $xo) (local.get $x) (local.get $kb))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows))))

;; gram_rows: rows f0..f1 of Y^T Y in float64 (Y: rows x k float32 at y), from the even column at or
;; below the diagonal to the end (the lower triangle is mirrored by the caller), into g (k x k f64).
;; Y's rows are added in order, each product exact in float64: the same sums, bit for bit, as a
;; scalar float64 loop over the rows. row: k f64 of scratch (Y's current row, promoted).
  (func (export "gram_rows")
    (param $y i32) (param $rows i32) (param $k i32) (param $f0 i32) (param $f1 i32) (param $g i32) (param $row i32)
    (local $r i32) (local $f i32) (local $h i32) (local $yrow i32) (local $gf i32) (local $kb8 i32) (local $end i32)
    (local $yf f64) (local $yfv v128) (local $v v128)
    (local.set $kb8 (i32.shl (local.get $k) (i32.const 3)))
    (memory.fill (i32.add (local.get $g) (i32.mul (local.get $f0) (local.get $kb8))) (i32.const 0)
      (i32.mul (i32.sub (local.get $f1) (local.get $f0)) (local.get $kb8)))
    (local.set $yrow (local.get $y))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowsL
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        ;; promote the row to float64
        (local.set $h (i32.const 0))
        (block $pd
          (loop $pl
            (br_if $pd (i32.ge_u (local.get $h) (local.get $k)))
            (local.set $v (v128.load (i32.add (local.get $yrow) (i32.shl (local.get $h) (i32.const 2)))))
            (v128.store (i32.add (local.get $row) (i32.shl (local.get $h) (i32.const 3))) (f64x2.promote_low_f32x4 (local.get $v)))
            (v128.store offset=16 (i32.add (local.get $row) (i32.shl (local.get $h) (i32.const 3)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
            (local.set $h (i32.add (local.get $h) (i32.const 4)))
            (br $pl)))
        (local.set $f (local.get $f0))
        (block $fd
          (loop $fl
            (br_if $fd (i32.ge_u (local.get $f) (local.get $f1)))
            (local.set $yf (f64.load (i32.add (local.get $row) (i32.shl (local.get $f) (i32.const 3)))))
            (if (f64.ne (local.get $yf) (f64.const 0))
              (then
                (local.set $yfv (f64x2.splat (local.get $yf)))
                (local.set $gf (i32.add (local.get $g) (i32.mul (local.get $f) (local.get $kb8))))
                (local.set $h (i32.shl (i32.and (local.get $f) (i32.const -2)) (i32.const 3)))
                (block $hd
                  (loop $hl
                    (br_if $hd (i32.ge_u (local.get $h) (local.get $kb8)))
                    (v128.store (i32.add (local.get $gf) (local.get $h))
                      (f64x2.add (v128.load (i32.add (local.get $gf) (local.get $h)))
                        (f64x2.mul (local.get $yfv) (v128.load (i32.add (local.get $row) (local.get $h))))))
                    (local.set $h (i32.add (local.get $h) (i32.const 16)))
                    (br $hl)))))
            (local.set $f (i32.add (local.get $f) (i32.const 1)))
            (br $fl)))
        (local.set $yrow (i32.add (local.get $yrow) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsL))))
;; mf_epoch: one SGD epoch of biased MF over the entries listed in order (n of them), in f64x2
;; SIMD with Surprise's update order (biases, then both factor rows from their old values).
;; rowOf/items/order are i32, ratings f32, P/Q/bu/bi f64; k must be even. Returns the summed
;; squared training error.
  (func (export "mf_epoch")
    (param $order i32) (param $n i32) (param $rowOf i32) (param $items i32) (param $ratings i32)
    (param $P i32) (param $Q i32) (param $bu i32) (param $bi i32) (param $k i32)
    (param $mu f64) (param $lr f64) (param $lrB f64) (param $reg f64) (param $regB f64) (result f64)
    (local $t i32) (local $e i32) (local $kb i32) (local $pu i32) (local $qi i32) (local $bup i32) (local $bip i32)
    (local $f i32) (local $end i32) (local $s0 v128) (local $s1 v128) (local $pv v128) (local $qv v128)
    (local $errLr v128) (local $decay v128) (local $err f64) (local $sse f64) (local $b1 f64) (local $b2 f64)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    ;; P_new = p (1 - lr reg) + lr err q; Q_new = q (1 - lr reg) + lr err p
    (local.set $decay (f64x2.splat (f64.sub (f64.const 1) (f64.mul (local.get $lr) (local.get $reg)))))
    (local.set $t (i32.const 0))
    (block $done
      (loop $ratings
        (br_if $done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $e (i32.load (i32.add (local.get $order) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $bup (i32.add (local.get $bu) (i32.shl (i32.load (i32.add (local.get $rowOf) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 3))))
        (local.set $bip (i32.load (i32.add (local.get $items) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $qi (i32.add (local.get $Q) (i32.mul (local.get $bip) (local.get $kb))))
        (local.set $bip (i32.add (local.get $bi) (i32.shl (local.get $bip) (i32.const 3))))
        (local.set $pu (i32.add (local.get $P) (i32.mul (i32.shr_u (i32.sub (local.get $bup) (local.get $bu)) (i32.const 3)) (local.get $kb))))
        ;; dot = p . q
        (local.set $s0 (v128.const i64x2 0 0))
        (local.set $s1 (v128.const i64x2 0 0))
        (local.set $f (i32.const 0))
        (local.set $end (i32.and (local.get $kb) (i32.const -32)))
        (block $dd
          (loop $dl
            (br_if $dd (i32.ge_u (local.get $f) (local.get $end)))
            (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load (i32.add (local.get $pu) (local.get $f))) (v128.load (i32.add (local.get $qi) (local.get $f))))))
            (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load offset=16 (i32.add (local.get $pu) (local.get $f))) (v128.load offset=16 (i32.add (local.get $qi) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 32)))
            (br $dl)))
        (if (i32.lt_u (local.get $f) (local.get $kb))
          (then (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load (i32.add (local.get $pu) (local.get $f))) (v128.load (i32.add (local.get $qi) (local.get $f))))))))
        (local.set $s0 (f64x2.add (local.get $s0) (local.get $s1)))
        (local.set $b1 (f64.load (local.get $bup)))
        (local.set $b2 (f64.load (local.get $bip)))
        (local.set $err
          (f64.sub
            (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $ratings) (i32.shl (local.get $e) (i32.const 2)))))
              (f64.add (f64.add (local.get $mu) (local.get $b1)) (local.get $b2)))
            (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0)))))
        (local.set $sse (f64.add (local.get $sse) (f64.mul (local.get $err) (local.get $err))))
        (f64.store (local.get $bup) (f64.add (local.get $b1) (f64.mul (local.get $lrB) (f64.sub (local.get $err) (f64.mul (local.get $regB) (local.get $b1))))))
        (f64.store (local.get $bip) (f64.add (local.get $b2) (f64.mul (local.get $lrB) (f64.sub (local.get $err) (f64.mul (local.get $regB) (local.get $b2))))))
        (local.set $errLr (f64x2.splat (f64.mul (local.get $lr) (local.get $err))))
        (local.set $f (i32.const 0))
        (block $ud
          (loop $ul
            (br_if $ud (i32.ge_u (local.get $f) (local.get $kb)))
            (local.set $pv (v128.load (i32.add (local.get $pu) (local.get $f))))
            (local.set $qv (v128.load (i32.add (local.get $qi) (local.get $f))))
            (v128.store (i32.add (local.get $pu) (local.get $f))
              (f64x2.add (f64x2.mul (local.get $pv) (local.get $decay)) (f64x2.mul (local.get $errLr) (local.get $qv))))
            (v128.store (i32.add (local.get $qi) (local.get $f))
              (f64x2.add (f64x2.mul (local.get $qv) (local.get $decay)) (f64x2.mul (local.get $errLr) (local.get $pv))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br $ul)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ratings)))
    (local.get $sse))
;; mf_epoch_f32: mf_epoch with float32 factors (P, Q) in f32x4 SIMD: the same update order, the
;; dot product in four f32x4 partial sums, the error, biases (f64) and squared error in float64.
;; k must be a multiple of 4. The factor loops run 16 floats a turn, then 4 at a time.
  (func (export "mf_epoch_f32")
    (param $order i32) (param $n i32) (param $rowOf i32) (param $items i32) (param $ratings i32)
    (param $P i32) (param $Q i32) (param $bu i32) (param $bi i32) (param $k i32)
    (param $mu f64) (param $lr f64) (param $lrB f64) (param $reg f64) (param $regB f64) (result f64)
    (local $t i32) (local $e i32) (local $u i32) (local $i i32) (local $kb i32) (local $end16 i32)
    (local $pu i32) (local $qi i32) (local $a i32) (local $b i32) (local $bup i32) (local $bip i32) (local $f i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $errLr v128) (local $decay v128) (local $err f64) (local $sse f64) (local $b1 f64) (local $b2 f64)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $end16 (i32.and (local.get $kb) (i32.const -64)))
    ;; P_new = p (1 - lr reg) + lr err q; Q_new = q (1 - lr reg) + lr err p
    (local.set $decay (f32x4.splat (f32.demote_f64 (f64.sub (f64.const 1) (f64.mul (local.get $lr) (local.get $reg))))))
    (local.set $t (i32.const 0))
    (block $done
      (loop $ratings
        (br_if $done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $e (i32.shl (i32.load (i32.add (local.get $order) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 2)))
        (local.set $u (i32.load (i32.add (local.get $rowOf) (local.get $e))))
        (local.set $i (i32.load (i32.add (local.get $items) (local.get $e))))
        (local.set $pu (i32.add (local.get $P) (i32.mul (local.get $u) (local.get $kb))))
        (local.set $qi (i32.add (local.get $Q) (i32.mul (local.get $i) (local.get $kb))))
        (local.set $bup (i32.add (local.get $bu) (i32.shl (local.get $u) (i32.const 3))))
        (local.set $bip (i32.add (local.get $bi) (i32.shl (local.get $i) (i32.const 3))))
        ;; dot = p . q
        (local.set $s0 (v128.const i64x2 0 0))
        (local.set $s1 (v128.const i64x2 0 0))
        (local.set $s2 (v128.const i64x2 0 0))
        (local.set $s3 (v128.const i64x2 0 0))
        (local.set $a (local.get $pu))
        (local.set $b (local.get $qi))
        (local.set $f (i32.add (local.get $pu) (local.get $end16)))
        (block $dd
          (loop $dl
            (br_if $dd (i32.ge_u (local.get $a) (local.get $f)))
            (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
            (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
            (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
            (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
            (local.set $a (i32.add (local.get $a) (i32.const 64)))
            (local.set $b (i32.add (local.get $b) (i32.const 64)))
            (br $dl)))
        (local.set $f (i32.add (local.get $pu) (local.get $kb)))
        (block $dd4
          (loop $dl4
            (br_if $dd4 (i32.ge_u (local.get $a) (local.get $f)))
            (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (br $dl4)))
        (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3))))
        (local.set $b1 (f64.load (local.get $bup)))
        (local.set $b2 (f64.load (local.get $bip)))
        (local.set $err
          (f64.sub
            (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $ratings) (local.get $e))))
              (f64.add (f64.add (local.get $mu) (local.get $b1)) (local.get $b2)))
            (f64.promote_f32
              (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
                (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))))
        (local.set $sse (f64.add (local.get $sse) (f64.mul (local.get $err) (local.get $err))))
        (f64.store (local.get $bup) (f64.add (local.get $b1) (f64.mul (local.get $lrB) (f64.sub (local.get $err) (f64.mul (local.get $regB) (local.get $b1))))))
        (f64.store (local.get $bip) (f64.add (local.get $b2) (f64.mul (local.get $lrB) (f64.sub (local.get $err) (f64.mul (local.get $regB) (local.get $b2))))))
        (local.set $errLr (f32x4.splat (f32.demote_f64 (f64.mul (local.get $lr) (local.get $err)))))
        (local.set $a (local.get $pu))
        (local.set $b (local.get $qi))
        (local.set $f (i32.add (local.get $pu) (local.get $end16)))
        (block $ud
          (loop $ul
            (br_if $ud (i32.ge_u (local.get $a) (local.get $f)))
            (local.set $p0 (v128.load (local.get $a)))
            (local.set $q0 (v128.load (local.get $b)))
            (local.set $p1 (v128.load offset=16 (local.get $a)))
            (local.set $q1 (v128.load offset=16 (local.get $b)))
            (local.set $p2 (v128.load offset=32 (local.get $a)))
            (local.set $q2 (v128.load offset=32 (local.get $b)))
            (local.set $p3 (v128.load offset=48 (local.get $a)))
            (local.set $q3 (v128.load offset=48 (local.get $b)))
            (v128.store (local.get $a) (f32x4.add (f32x4.mul (local.get $p0) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $q0))))
            (v128.store (local.get $b) (f32x4.add (f32x4.mul (local.get $q0) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $p0))))
            (v128.store offset=16 (local.get $a) (f32x4.add (f32x4.mul (local.get $p1) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $q1))))
            (v128.store offset=16 (local.get $b) (f32x4.add (f32x4.mul (local.get $q1) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $p1))))
            (v128.store offset=32 (local.get $a) (f32x4.add (f32x4.mul (local.get $p2) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $q2))))
            (v128.store offset=32 (local.get $b) (f32x4.add (f32x4.mul (local.get $q2) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $p2))))
            (v128.store offset=48 (local.get $a) (f32x4.add (f32x4.mul (local.get $p3) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $q3))))
            (v128.store offset=48 (local.get $b) (f32x4.add (f32x4.mul (local.get $q3) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $p3))))
            (local.set $a (i32.add (local.get $a) (i32.const 64)))
            (local.set $b (i32.add (local.get $b) (i32.const 64)))
            (br $ul)))
        (local.set $f (i32.add (local.get $pu) (local.get $kb)))
        (block $ud4
          (loop $ul4
            (br_if $ud4 (i32.ge_u (local.get $a) (local.get $f)))
            (local.set $p0 (v128.load (local.get $a)))
            (local.set $q0 (v128.load (local.get $b)))
            (v128.store (local.get $a) (f32x4.add (f32x4.mul (local.get $p0) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $q0))))
            (v128.store (local.get $b) (f32x4.add (f32x4.mul (local.get $q0) (local.get $decay)) (f32x4.mul (local.get $errLr) (local.get $p0))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $b (i32.add (local.get $b) (i32.const 16)))
            (br $ul4)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ratings)))
    (local.get $sse))
;; bpr_dot: u . (v_i - v_j) over k floats (f32x4; k a multiple of 4).
  (func $bprDot (export "bpr_dot") (param $u i32) (param $i i32) (param $j i32) (param $k i32) (result f32)
    (local $end i32) (local $s0 v128) (local $s1 v128)
    (local.set $end (i32.add (local.get $u) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $s0 (v128.const i64x2 0 0))
    (local.set $s1 (v128.const i64x2 0 0))
    (block $tail
      (loop $l8
        (br_if $tail (i32.gt_u (i32.add (local.get $u) (i32.const 32)) (local.get $end)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (local.get $u)) (f32x4.sub (v128.load (local.get $i)) (v128.load (local.get $j))))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (v128.load offset=16 (local.get $u)) (f32x4.sub (v128.load offset=16 (local.get $i)) (v128.load offset=16 (local.get $j))))))
        (local.set $u (i32.add (local.get $u) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $l8)))
    (if (i32.lt_u (local.get $u) (local.get $end))
      (then (local.set $s0 (f32x4.add (local.get $s0)
        (f32x4.mul (v128.load (local.get $u)) (f32x4.sub (v128.load (local.get $i)) (v128.load (local.get $j))))))))
    (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
      (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))

;; bpr_update: one BPR step on rows u, i, j from their old values, with z = 1 - sigmoid(x):
;; u += lr (z (v_i - v_j) - reg u); v_i += lr (z u - reg v_i); v_j += lr (-z u - reg v_j).
  (func $bprUpdate (export "bpr_update") (param $u i32) (param $i i32) (param $j i32) (param $k i32) (param $z f32) (param $lr f32) (param $reg f32)
    (local $end i32) (local $uv v128) (local $iv v128) (local $jv v128) (local $zv v128) (local $lrv v128) (local $regv v128)
    (local.set $end (i32.add (local.get $u) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $zv (f32x4.splat (local.get $z)))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $regv (f32x4.splat (local.get $reg)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $uv (v128.load (local.get $u)))
        (local.set $iv (v128.load (local.get $i)))
        (local.set $jv (v128.load (local.get $j)))
        (v128.store (local.get $u) (f32x4.add (local.get $uv) (f32x4.mul (local.get $lrv)
          (f32x4.sub (f32x4.mul (local.get $zv) (f32x4.sub (local.get $iv) (local.get $jv))) (f32x4.mul (local.get $regv) (local.get $uv))))))
        (v128.store (local.get $i) (f32x4.add (local.get $iv) (f32x4.mul (local.get $lrv)
          (f32x4.sub (f32x4.mul (local.get $zv) (local.get $uv)) (f32x4.mul (local.get $regv) (local.get $iv))))))
        (v128.store (local.get $j) (f32x4.add (local.get $jv) (f32x4.mul (local.get $lrv)
          (f32x4.sub (f32x4.neg (f32x4.mul (local.get $zv) (local.get $uv))) (f32x4.mul (local.get $regv) (local.get $jv))))))
        (local.set $u (i32.add (local.get $u) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l))))
;; The sfc32 generator of core's Random, one per instance (each thread instantiates its own):
;; $rngSeed seeds it as Random's constructor does (splitmix32, then 12 draws), $rngNext is uint32().
  (global $ra (mut i32) (i32.const 0))
  (global $rb (mut i32) (i32.const 0))
  (global $rc (mut i32) (i32.const 0))
  (global $rd (mut i32) (i32.const 0))
  (func $splitmix (param $s i32) (result i32)
    (local.set $s (i32.mul (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 16))) (i32.const 0x85ebca6b)))
    (local.set $s (i32.mul (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 13))) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 16))))
  (func $rngSeed (param $seed i32)
    (local $s i32) (local $i i32)
    (local.set $s (i32.xor (local.get $seed) (i32.const 0x9e3779b9)))
    (local.set $s (i32.add (local.get $s) (i32.const 0x9e3779b9)))
    (global.set $ra (call $splitmix (local.get $s)))
    (local.set $s (i32.add (local.get $s) (i32.const 0x9e3779b9)))
    (global.set $rb (call $splitmix (local.get $s)))
    (local.set $s (i32.add (local.get $s) (i32.const 0x9e3779b9)))
    (global.set $rc (call $splitmix (local.get $s)))
    (local.set $s (i32.add (local.get $s) (i32.const 0x9e3779b9)))
    (global.set $rd (call $splitmix (local.get $s)))
    (block $done
      (loop $warm
        (br_if $done (i32.ge_u (local.get $i) (i32.const 12)))
        (drop (call $rngNext))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $warm))))
  (func $rngNext (result i32)
    (local $t i32)
    (local.set $t (i32.add (i32.add (global.get $ra) (global.get $rb)) (global.get $rd)))
    (global.set $rd (i32.add (global.get $rd) (i32.const 1)))
    (global.set $ra (i32.xor (global.get $rb) (i32.shr_u (global.get $rb) (i32.const 9))))
    (global.set $rb (i32.add (global.get $rc) (i32.shl (global.get $rc) (i32.const 3))))
    (global.set $rc (i32.add (i32.rotl (global.get $rc) (i32.const 21)) (local.get $t)))
    (local.get $t))

;; shuffle_i32: core's Random.shuffle of the n i32 at a (Fisher-Yates from the end, j = floor(float() · (i + 1))),
;; continuing the generator whose four sfc32 words (Random.getState's first four) are at state,
;; and writing the words back there: the same permutation and the same state as the TypeScript call.
  (func (export "shuffle_i32") (param $a i32) (param $n i32) (param $state i32)
    (local $i i32) (local $j i32) (local $pi i32) (local $pj i32) (local $t i32)
    (global.set $ra (i32.load (local.get $state)))
    (global.set $rb (i32.load offset=4 (local.get $state)))
    (global.set $rc (i32.load offset=8 (local.get $state)))
    (global.set $rd (i32.load offset=12 (local.get $state)))
    (local.set $i (i32.sub (local.get $n) (i32.const 1)))
    (block $done
      (loop $swap
        (br_if $done (i32.le_s (local.get $i) (i32.const 0)))
        (local.set $j (i32.trunc_f64_u (f64.floor (f64.mul
          (f64.div (f64.convert_i32_u (call $rngNext)) (f64.const 4294967296))
          (f64.convert_i32_u (i32.add (local.get $i) (i32.const 1)))))))
        (local.set $pi (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $pj (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $t (i32.load (local.get $pi)))
        (i32.store (local.get $pi) (i32.load (local.get $pj)))
        (i32.store (local.get $pj) (local.get $t))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $swap)))
    (i32.store (local.get $state) (global.get $ra))
    (i32.store offset=4 (local.get $state) (global.get $rb))
    (i32.store offset=8 (local.get $state) (global.get $rc))
    (i32.store offset=12 (local.get $state) (global.get $rd)))

;; e^x for |x| <= 700: x = n ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series to r^13
;; (relative error below 1e-17), times 2^n built from the exponent bits.
  (func $exp (param $x f64) (result f64)
    (local $n f64) (local $r f64)
    (local.set $x (f64.min (f64.const 700) (f64.max (f64.const -700) (local.get $x))))
    (local.set $n (f64.nearest (f64.mul (local.get $x) (f64.const 1.4426950408889634))))
    (local.set $r (f64.sub (f64.sub (local.get $x) (f64.mul (local.get $n) (f64.const 6.93147180369123816490e-01)))
      (f64.mul (local.get $n) (f64.const 1.90821492927058770002e-10))))
    (f64.mul
      (f64.add (f64.const 1) (f64.mul (local.get $r) (f64.add (f64.const 1) (f64.mul (local.get $r) (f64.add (f64.const 0.5)
      (f64.mul (local.get $r) (f64.add (f64.const 1.6666666666666666e-1) (f64.mul (local.get $r) (f64.add (f64.const 4.1666666666666664e-2)
      (f64.mul (local.get $r) (f64.add (f64.const 8.3333333333333332e-3) (f64.mul (local.get $r) (f64.add (f64.const 1.3888888888888889e-3)
      (f64.mul (local.get $r) (f64.add (f64.const 1.9841269841269841e-4) (f64.mul (local.get $r) (f64.add (f64.const 2.4801587301587302e-5)
      (f64.mul (local.get $r) (f64.add (f64.const 2.7557319223985893e-6) (f64.mul (local.get $r) (f64.add (f64.const 2.7557319223985888e-7)
      (f64.mul (local.get $r) (f64.add (f64.const 2.5052108385441720e-8) (f64.mul (local.get $r) (f64.add (f64.const 2.0876756987868100e-9)
      (f64.mul (local.get $r) (f64.const 1.6059043836821613e-10)))))))))))))))))))))))))))
      (f64.reinterpret_i64 (i64.shl (i64.add (i64.trunc_f64_s (local.get $n)) (i64.const 1023)) (i64.const 52)))))

;; ln y for finite y >= 1: y = 2^e m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)) by
;; its series to s^19 (error below 1e-16).
  (func $log (param $y f64) (result f64)
    (local $bits i64) (local $e f64) (local $m f64) (local $s f64) (local $s2 f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $y)))
    (local.set $e (f64.convert_i64_s (i64.sub (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 1023))))
    (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (local.get $bits) (i64.const 0xfffffffffffff)) (i64.const 0x3ff0000000000000))))
    (if (f64.gt (local.get $m) (f64.const 1.4142135623730951))
      (then
        (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
        (local.set $e (f64.add (local.get $e) (f64.const 1)))))
    (local.set $s (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
    (local.set $s2 (f64.mul (local.get $s) (local.get $s)))
    (f64.add (f64.mul (local.get $e) (f64.const 0.6931471805599453))
      (f64.mul (local.get $s) (f64.add (f64.const 2) (f64.mul (local.get $s2) (f64.add (f64.const 0.6666666666666666)
      (f64.mul (local.get $s2) (f64.add (f64.const 0.4) (f64.mul (local.get $s2) (f64.add (f64.const 0.2857142857142857)
      (f64.mul (local.get $s2) (f64.add (f64.const 0.2222222222222222) (f64.mul (local.get $s2) (f64.add (f64.const 0.18181818181818182)
      (f64.mul (local.get $s2) (f64.add (f64.const 0.15384615384615385) (f64.mul (local.get $s2) (f64.add (f64.const 0.13333333333333333)
      (f64.mul (local.get $s2) (f64.add (f64.const 0.11764705882352941) (f64.mul (local.get $s2) (f64.const 0.10526315789473684))))))))))))))))))))))

;; bpr_steps: bprKernel's SGD loop (kernels.ts) in WebAssembly, draw for draw: `samples` steps, each
;; a (user, positive) entry drawn uniformly from entryStart..entryEnd, a negative drawn uniformly or
;; by the cumulative table negCdf (f64 × numItems, read when popular is 1) and, with verify, redrawn
;; (up to 20 tries) while the user holds it; then bpr_dot and bpr_update on the f32 factors and the
;; f32 item bias updated in f64. Membership is bit u·numItems + item of bitmap when bitmap is not
;; -1, else a binary search of the user's sorted row. The draws of step s + 1 (which read no factor)
;; are made before the updates of step s, so their cache misses overlap that arithmetic; the draws
;; keep their order. Writes the correct and skipped counts (i32) to out and returns the summed
;; -log sigmoid loss.
  (func (export "bpr_steps")
    (param $seed i32) (param $samples i32) (param $k i32) (param $indptr i32) (param $indices i32) (param $rowOf i32)
    (param $entryStart i32) (param $span i32) (param $negCdf i32) (param $popular i32) (param $numItems i32)
    (param $users i32) (param $items i32) (param $bias i32) (param $lr f64) (param $reg f64) (param $verify i32)
    (param $bitmap i32) (param $out i32)
    (result f64)
    (local $s i32) (local $e i32) (local $u i32) (local $i i32) (local $j i32) (local $r0 i32) (local $r1 i32)
    (local $pu i32) (local $pi i32) (local $pj i32)
    (local $tries i32) (local $cand i32) (local $lo i32) (local $hi i32) (local $mid i32) (local $v i32) (local $found i32)
    (local $kb i32) (local $correct i32) (local $skipped i32) (local $bit i32)
    (local $total f64) (local $t f64) (local $x f64) (local $ex f64) (local $z f64) (local $loss f64) (local $bi f64) (local $bj f64)
    (call $rngSeed (local.get $seed))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (if (local.get $popular)
      (then (local.set $total (f64.load (i32.add (local.get $negCdf) (i32.shl (i32.sub (local.get $numItems) (i32.const 1)) (i32.const 3)))))))
    (local.set $s (i32.const -1))
    (local.set $pj (i32.const -1))
    (block $done
      (loop $steps
        (br_if $done (i32.ge_s (local.get $s) (local.get $samples)))
        ;; the draws of step s + 1
        (local.set $j (i32.const -1))
        (if (i32.lt_s (i32.add (local.get $s) (i32.const 1)) (local.get $samples))
          (then
            (local.set $e (i32.add (local.get $entryStart) (i32.rem_u (call $rngNext) (local.get $span))))
            (local.set $u (i32.load (i32.add (local.get $rowOf) (i32.shl (local.get $e) (i32.const 2)))))
            (local.set $i (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))
            (if (i32.lt_s (local.get $bitmap) (i32.const 0))
              (then
                (local.set $r0 (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
                (local.set $r1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))))
            (local.set $tries (i32.const 0))
            (block $drawn
              (loop $draw
                (br_if $drawn (i32.ge_u (local.get $tries) (i32.const 20)))
                (local.set $tries (i32.add (local.get $tries) (i32.const 1)))
                (if (local.get $popular)
                  (then
                    (local.set $t (f64.mul (f64.div (f64.convert_i32_u (call $rngNext)) (f64.const 4294967296)) (local.get $total)))
                    (local.set $lo (i32.const 0))
                    (local.set $hi (i32.sub (local.get $numItems) (i32.const 1)))
                    (block $cd
                      (loop $cl
                        (br_if $cd (i32.ge_s (local.get $lo) (local.get $hi)))
                        (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
                        (if (f64.gt (f64.load (i32.add (local.get $negCdf) (i32.shl (local.get $mid) (i32.const 3)))) (local.get $t))
                          (then (local.set $hi (local.get $mid)))
                          (else (local.set $lo (i32.add (local.get $mid) (i32.const 1)))))
                        (br $cl)))
                    (local.set $cand (local.get $lo)))
                  (else (local.set $cand (i32.rem_u (call $rngNext) (local.get $numItems)))))
                (if (i32.eqz (local.get $verify))
                  (then
                    (if (i32.ne (local.get $cand) (local.get $i)) (then (local.set $j (local.get $cand))))
                    (br $drawn)))
                (if (i32.ge_s (local.get $bitmap) (i32.const 0))
                  (then
                    (local.set $bit (i32.add (i32.mul (local.get $u) (local.get $numItems)) (local.get $cand)))
                    (local.set $found (i32.and (i32.const 1)
                      (i32.shr_u (i32.load8_u (i32.add (local.get $bitmap) (i32.shr_u (local.get $bit) (i32.const 3))))
                        (i32.and (local.get $bit) (i32.const 7))))))
                  (else
                    (local.set $lo (local.get $r0))
                    (local.set $hi (i32.sub (local.get $r1) (i32.const 1)))
                    (local.set $found (i32.const 0))
                    (block $sd
                      (loop $sl
                        (br_if $sd (i32.gt_s (local.get $lo) (local.get $hi)))
                        (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
                        (local.set $v (i32.load (i32.add (local.get $indices) (i32.shl (local.get $mid) (i32.const 2)))))
                        (if (i32.eq (local.get $v) (local.get $cand))
                          (then (local.set $found (i32.const 1)) (br $sd)))
                        (if (i32.lt_s (local.get $v) (local.get $cand))
                          (then (local.set $lo (i32.add (local.get $mid) (i32.const 1))))
                          (else (local.set $hi (i32.sub (local.get $mid) (i32.const 1)))))
                        (br $sl)))))
                (if (i32.eqz (local.get $found))
                  (then (local.set $j (local.get $cand)) (br $drawn)))
                (br $draw)))))
        ;; the updates of step s
        (if (i32.ge_s (local.get $s) (i32.const 0))
          (then
            (if (i32.lt_s (local.get $pj) (i32.const 0))
              (then (local.set $skipped (i32.add (local.get $skipped) (i32.const 1))))
              (else
                (local.set $bi (f64.promote_f32 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $pi) (i32.const 2))))))
                (local.set $bj (f64.promote_f32 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $pj) (i32.const 2))))))
                (local.set $x (f64.add (f64.sub (local.get $bi) (local.get $bj))
                  (f64.promote_f32 (call $bprDot
                    (i32.add (local.get $users) (i32.mul (local.get $pu) (local.get $kb)))
                    (i32.add (local.get $items) (i32.mul (local.get $pi) (local.get $kb)))
                    (i32.add (local.get $items) (i32.mul (local.get $pj) (local.get $kb)))
                    (local.get $k)))))
                (if (f64.gt (local.get $x) (f64.const 0)) (then (local.set $correct (i32.add (local.get $correct) (i32.const 1)))))
                (local.set $ex (call $exp (local.get $x)))
                (local.set $z (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $ex))))
                ;; -log sigmoid(x) = log(1 + e^-x), from the same exponential
                (local.set $loss (f64.add (local.get $loss)
                  (if (result f64) (f64.gt (local.get $x) (f64.const 30))
                    (then (call $exp (f64.neg (local.get $x))))
                    (else (if (result f64) (f64.lt (local.get $x) (f64.const -30))
                      (then (f64.neg (local.get $x)))
                      (else (call $log (f64.add (f64.const 1) (f64.div (f64.const 1) (local.get $ex))))))))))
                (call $bprUpdate
                  (i32.add (local.get $users) (i32.mul (local.get $pu) (local.get $kb)))
                  (i32.add (local.get $items) (i32.mul (local.get $pi) (local.get $kb)))
                  (i32.add (local.get $items) (i32.mul (local.get $pj) (local.get $kb)))
                  (local.get $k) (f32.demote_f64 (local.get $z)) (f32.demote_f64 (local.get $lr)) (f32.demote_f64 (local.get $reg)))
                (f32.store (i32.add (local.get $bias) (i32.shl (local.get $pi) (i32.const 2)))
                  (f32.demote_f64 (f64.add (local.get $bi) (f64.mul (local.get $lr) (f64.sub (local.get $z) (f64.mul (local.get $reg) (local.get $bi)))))))
                (f32.store (i32.add (local.get $bias) (i32.shl (local.get $pj) (i32.const 2)))
                  (f32.demote_f64 (f64.add (local.get $bj) (f64.mul (local.get $lr) (f64.sub (f64.neg (local.get $z)) (f64.mul (local.get $reg) (local.get $bj)))))))))))
        (local.set $pu (local.get $u))
        (local.set $pi (local.get $i))
        (local.set $pj (local.get $j))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $steps)))
    (i32.store (local.get $out) (local.get $correct))
    (i32.store offset=4 (local.get $out) (local.get $skipped))
    (local.get $loss))
)
