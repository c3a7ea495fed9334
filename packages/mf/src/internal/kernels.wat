;; WebAssembly SIMD kernels of @recforge/mf. Pointers are byte offsets into the imported memory.
;;
;; cg: conjugate-gradient ALS half-step (Hu, Koren & Volinsky 2008, as the implicit library solves
;; it) in f32x4 SIMD. All pointers are byte offsets into the imported memory; k must be a
;; multiple of 4. For rows start..end of the CSR (indptr, indices, values), solves
;; (G + sum (c-1) y y^T) x = sum c p y with G = Y^T Y + reg I (k x k at gram), warm-started from
;; the row of out, in cgSteps steps, and writes x back to out. scratch holds 4k floats.
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

  (func (export "cg")
    (param $start i32) (param $end i32) (param $k i32) (param $indptr i32) (param $indices i32)
    (param $values i32) (param $fixed i32) (param $gram i32) (param $alpha f32) (param $out i32)
    (param $steps i32) (param $scratch i32)
    (local $u i32) (local $e i32) (local $e1 i32) (local $kb i32) (local $xo i32)
    (local $x i32) (local $r i32) (local $p i32) (local $ap i32) (local $y i32)
    (local $v f32) (local $cm1 f32) (local $w f32) (local $rs f32) (local $rsNew f32) (local $pap f32)
    (local $step f32) (local $beta f32) (local $it i32) (local $f i32)
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
        ;; r = b - A x = sum (c p - (c-1) y.x) y - G x
        (call $gemv (f32.const -1) (local.get $gram) (local.get $x) (local.get $r) (local.get $k))
        (local.set $e (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $e1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (block $nnzDone
          (loop $nnz
            (br_if $nnzDone (i32.ge_u (local.get $e) (local.get $e1)))
            (local.set $v (f32.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2)))))
            (local.set $cm1 (f32.mul (local.get $alpha) (f32.abs (local.get $v))))
            (local.set $y (i32.add (local.get $fixed)
              (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $kb))))
            ;; w = c * [v > 0] - (c - 1) * (y . x)
            (local.set $w (f32.mul (f32.neg (local.get $cm1)) (call $dot (local.get $y) (local.get $x) (local.get $k))))
            (if (f32.gt (local.get $v) (f32.const 0))
              (then (local.set $w (f32.add (local.get $w) (f32.add (f32.const 1) (local.get $cm1))))))
            (call $axpy (local.get $w) (local.get $y) (local.get $r) (local.get $k))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $nnz)))
        (memory.copy (local.get $p) (local.get $r) (local.get $kb))
        (local.set $rs (call $dot (local.get $r) (local.get $r) (local.get $k)))
        (local.set $it (i32.const 0))
        (block $cgDone
          (loop $cg
            (br_if $cgDone (i32.ge_u (local.get $it) (local.get $steps)))
            (br_if $cgDone (i32.eqz (f32.gt (local.get $rs) (f32.const 1e-20))))
            ;; ap = A p = G p + sum (c-1) (y.p) y
            (call $gemv (f32.const 1) (local.get $gram) (local.get $p) (local.get $ap) (local.get $k))
            (local.set $e (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
            (block $nnz2Done
              (loop $nnz2
                (br_if $nnz2Done (i32.ge_u (local.get $e) (local.get $e1)))
                (local.set $v (f32.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 2)))))
                (local.set $y (i32.add (local.get $fixed)
                  (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $kb))))
                (call $axpy
                  (f32.mul (f32.mul (local.get $alpha) (f32.abs (local.get $v))) (call $dot (local.get $y) (local.get $p) (local.get $k)))
                  (local.get $y) (local.get $ap) (local.get $k))
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
;; bpr_dot: u . (v_i - v_j) over k floats (f32x4; k a multiple of 4).
  (func (export "bpr_dot") (param $u i32) (param $i i32) (param $j i32) (param $k i32) (result f32)
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
  (func (export "bpr_update") (param $u i32) (param $i i32) (param $j i32) (param $k i32) (param $z f32) (param $lr f32) (param $reg f32)
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
)
