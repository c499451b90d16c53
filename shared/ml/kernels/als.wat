(module
  ;; The ALS kernels of shared/ml/recs/als.ts in float32 with 128-bit SIMD: the conjugate-gradient
  ;; solve of every row of one side, and the rows' loss terms. The rank $r is a multiple of 4.
  ;; Every pointer is a byte offset into the memory the caller provides (shared/ml/kernels/heap.ts).
  ;; Built by scripts/build-wasm.mjs.
  ;;
  ;; Layout: $ptr: rows + 1 i32 (row u's entries are ptr[u] .. ptr[u + 1]); $idx: i32 other-side
  ;; row of each entry; $val: f32 weight of each entry; $x: rows × r f32 (updated in place); $y:
  ;; other rows × r f32; $g: r × r f32 (YᵀY); $tmp: 3 × r f32 of scratch.
  (import "env" "memory" (memory 1))

  ;; Σ a[i]·b[i], i < r.
  (func $dot (param $a i32) (param $b i32) (param $r i32) (result f32)
    (local $acc v128) (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $r) (i32.const 2))))
    (loop $l
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.lt_u (local.get $a) (local.get $end))))
    (local.set $v (local.get $acc))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; out[i] += s·y[i], i < r.
  (func $axpy (param $out i32) (param $s f32) (param $y i32) (param $r i32)
    (local $sv v128) (local $end i32)
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))))
    (loop $l
      (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (f32x4.mul (local.get $sv) (v128.load (local.get $y)))))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br_if $l (i32.lt_u (local.get $out) (local.get $end)))))

  ;; out = G·v + reg·v (G symmetric r × r).
  (func $gramv (param $g i32) (param $v i32) (param $out i32) (param $r i32) (param $reg f32)
    (local $i i32)
    (loop $l
      (f32.store
        (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (f32.add
          (call $dot (i32.add (local.get $g) (i32.shl (i32.mul (local.get $i) (local.get $r)) (i32.const 2))) (local.get $v) (local.get $r))
          (f32.mul (local.get $reg) (f32.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 2)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $r)))))

  ;; Solves rows 0 .. $rows − 1 with $steps CG steps each (see shared/ml/recs/als.ts); returns Σ‖x‖².
  (func (export "cg") (param $rows i32) (param $ptr i32) (param $idx i32) (param $val i32) (param $x i32) (param $y i32)
    (param $g i32) (param $r i32) (param $reg f32) (param $alpha f32) (param $steps i32) (param $tmp i32) (result f64)
    (local $u i32) (local $k i32) (local $end i32) (local $xu i32) (local $yk i32) (local $res i32) (local $p i32) (local $ap i32)
    (local $c1 f32) (local $s f32) (local $rs f32) (local $rsn f32) (local $pap f32) (local $a f32) (local $step i32) (local $bytes i32)
    (local $i i32) (local $sq f64)
    (local.set $bytes (i32.shl (local.get $r) (i32.const 2)))
    (local.set $res (local.get $tmp))
    (local.set $p (i32.add (local.get $tmp) (local.get $bytes)))
    (local.set $ap (i32.add (local.get $p) (local.get $bytes)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $u) (local.get $rows)))
        (local.set $xu (i32.add (local.get $x) (i32.mul (local.get $u) (local.get $bytes))))
        (local.set $k (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        ;; res = −(G + reg)·x + Σ (c − (c − 1)(y·x))·y
        (call $gramv (local.get $g) (local.get $xu) (local.get $ap) (local.get $r) (local.get $reg))
        (local.set $i (i32.const 0))
        (loop $neg
          (v128.store (i32.add (local.get $res) (local.get $i)) (f32x4.neg (v128.load (i32.add (local.get $ap) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $neg (i32.lt_u (local.get $i) (local.get $bytes))))
        (block $init_done
          (loop $init
            (br_if $init_done (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $yk (i32.add (local.get $y) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))) (local.get $bytes))))
            (local.set $c1 (f32.mul (local.get $alpha) (f32.load (i32.add (local.get $val) (i32.shl (local.get $k) (i32.const 2))))))
            (local.set $s (call $dot (local.get $yk) (local.get $xu) (local.get $r)))
            (call $axpy (local.get $res) (f32.sub (f32.add (f32.const 1) (local.get $c1)) (f32.mul (local.get $c1) (local.get $s))) (local.get $yk) (local.get $r))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $init)))
        (memory.copy (local.get $p) (local.get $res) (local.get $bytes))
        (local.set $rs (call $dot (local.get $res) (local.get $res) (local.get $r)))
        (local.set $step (i32.const 0))
        (block $cg_done
          (loop $cg
            (br_if $cg_done (i32.ge_u (local.get $step) (local.get $steps)))
            (br_if $cg_done (f32.lt (local.get $rs) (f32.const 1e-20)))
            ;; ap = (G + reg)·p + Σ (c − 1)(y·p)·y
            (call $gramv (local.get $g) (local.get $p) (local.get $ap) (local.get $r) (local.get $reg))
            (local.set $k (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
            (block $sp_done
              (loop $sp
                (br_if $sp_done (i32.ge_u (local.get $k) (local.get $end)))
                (local.set $yk (i32.add (local.get $y) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))) (local.get $bytes))))
                (local.set $c1 (f32.mul (local.get $alpha) (f32.load (i32.add (local.get $val) (i32.shl (local.get $k) (i32.const 2))))))
                (call $axpy (local.get $ap) (f32.mul (local.get $c1) (call $dot (local.get $yk) (local.get $p) (local.get $r))) (local.get $yk) (local.get $r))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $sp)))
            (local.set $pap (call $dot (local.get $p) (local.get $ap) (local.get $r)))
            (br_if $cg_done (i32.eqz (f32.gt (local.get $pap) (f32.const 0))))
            (local.set $a (f32.div (local.get $rs) (local.get $pap)))
            (call $axpy (local.get $xu) (local.get $a) (local.get $p) (local.get $r))
            (call $axpy (local.get $res) (f32.neg (local.get $a)) (local.get $ap) (local.get $r))
            (local.set $rsn (call $dot (local.get $res) (local.get $res) (local.get $r)))
            (br_if $cg_done (f32.lt (local.get $rsn) (f32.const 1e-20)))
            ;; p = res + (rsn / rs)·p
            (local.set $a (f32.div (local.get $rsn) (local.get $rs)))
            (local.set $i (i32.const 0))
            (loop $dir
              (v128.store (i32.add (local.get $p) (local.get $i))
                (f32x4.add (v128.load (i32.add (local.get $res) (local.get $i))) (f32x4.mul (f32x4.splat (local.get $a)) (v128.load (i32.add (local.get $p) (local.get $i))))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br_if $dir (i32.lt_u (local.get $i) (local.get $bytes))))
            (local.set $rs (local.get $rsn))
            (local.set $step (i32.add (local.get $step) (i32.const 1)))
            (br $cg)))
        (local.set $sq (f64.add (local.get $sq) (f64.promote_f32 (call $dot (local.get $xu) (local.get $xu) (local.get $r)))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $row)))
    (local.get $sq))

  ;; Σ over rows of x·(G·x) + Σ_entries [c (1 − s)² − s²] (s = x·y, c = 1 + alpha·weight).
  (func (export "loss") (param $rows i32) (param $ptr i32) (param $idx i32) (param $val i32) (param $x i32) (param $y i32)
    (param $g i32) (param $r i32) (param $alpha f32) (param $tmp i32) (result f64)
    (local $u i32) (local $k i32) (local $end i32) (local $xu i32) (local $bytes i32) (local $s f64) (local $c f64) (local $sum f64)
    (local.set $bytes (i32.shl (local.get $r) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $u) (local.get $rows)))
        (local.set $xu (i32.add (local.get $x) (i32.mul (local.get $u) (local.get $bytes))))
        (call $gramv (local.get $g) (local.get $xu) (local.get $tmp) (local.get $r) (f32.const 0))
        (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (call $dot (local.get $xu) (local.get $tmp) (local.get $r)))))
        (local.set $k (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $ptr) (i32.shl (local.get $u) (i32.const 2)))))
        (block $e_done
          (loop $e
            (br_if $e_done (i32.ge_u (local.get $k) (local.get $end)))
            (local.set $s (f64.promote_f32 (call $dot
              (i32.add (local.get $y) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))) (local.get $bytes)))
              (local.get $xu) (local.get $r))))
            (local.set $c (f64.add (f64.const 1) (f64.mul (f64.promote_f32 (local.get $alpha)) (f64.promote_f32 (f32.load (i32.add (local.get $val) (i32.shl (local.get $k) (i32.const 2))))))))
            (local.set $sum (f64.add (local.get $sum)
              (f64.sub (f64.mul (local.get $c) (f64.mul (f64.sub (f64.const 1) (local.get $s)) (f64.sub (f64.const 1) (local.get $s))))
                (f64.mul (local.get $s) (local.get $s)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $e)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $row)))
    (local.get $sum))
  ;; $out (r × r f32) += Σ over rows 0 .. $rows − 1 of x·xᵀ.
  (func (export "gram") (param $rows i32) (param $x i32) (param $r i32) (param $out i32)
    (local $u i32) (local $i i32) (local $xu i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $r) (i32.const 2)))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $u) (local.get $rows)))
        (local.set $xu (i32.add (local.get $x) (i32.mul (local.get $u) (local.get $bytes))))
        (local.set $i (i32.const 0))
        (loop $col
          (call $axpy (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $bytes)))
            (f32.load (i32.add (local.get $xu) (i32.shl (local.get $i) (i32.const 2)))) (local.get $xu) (local.get $r))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $col (i32.lt_u (local.get $i) (local.get $r))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $row)))))
