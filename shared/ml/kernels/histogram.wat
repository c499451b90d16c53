(module
  ;; The histogram kernels of shared/ml/trees/histogram.ts (see there for the layout): rows read
  ;; their 4 column bins from one 32-bit word and add their packed value to 2 alternating lanes
  ;; of 4 × 256 f64 slots (16 KiB at $l; lane 1 at $l + 8192). Every pointer is a byte offset
  ;; into the memory the caller provides (shared/ml/kernels/heap.ts). Built by scripts/build-wasm.mjs.
  (import "env" "memory" (memory 1))
  ;; Adds rows to the lanes, two at a time (the second row of a pair goes to lane 1). Row k
  ;; (k < m) has its values at $v + 8k and its word at $w + 4·pos, where pos = k when $loc is
  ;; -1 (a whole block in order) and the u32 at $loc + 4k otherwise. With $out ≠ -1 the words
  ;; are also copied to $out + 4k (the node's rows, in node order).
  (func (export "accumulate") (param $l i32) (param $w i32) (param $loc i32) (param $m i32) (param $v i32) (param $out i32)
    (local $k i32) (local $w0 i32) (local $w1 i32) (local $v0 f64) (local $v1 f64) (local $a i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $m)))
        (if (i32.lt_s (local.get $loc) (i32.const 0))
          (then (local.set $w0 (i32.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2))))))
          (else (local.set $w0 (i32.load (i32.add (local.get $w) (i32.shl
            (i32.load (i32.add (local.get $loc) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2)))))))
        (local.set $v0 (f64.load (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $w1 (i32.const 0))
        (local.set $v1 (f64.const 0))
        (if (i32.lt_u (i32.add (local.get $k) (i32.const 1)) (local.get $m))
          (then
            (if (i32.lt_s (local.get $loc) (i32.const 0))
              (then (local.set $w1 (i32.load offset=4 (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2))))))
              (else (local.set $w1 (i32.load (i32.add (local.get $w) (i32.shl
                (i32.load offset=4 (i32.add (local.get $loc) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2)))))))
            (local.set $v1 (f64.load offset=8 (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))
            (if (i32.ge_s (local.get $out) (i32.const 0))
              (then (i32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (local.get $w1))))))
        (if (i32.ge_s (local.get $out) (i32.const 0))
          (then (i32.store (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 2))) (local.get $w0))))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.and (local.get $w0) (i32.const 255)) (i32.const 3))))
        (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (local.get $v0)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.and (i32.shr_u (local.get $w0) (i32.const 8)) (i32.const 255)) (i32.const 3))))
        (f64.store offset=2048 (local.get $a) (f64.add (f64.load offset=2048 (local.get $a)) (local.get $v0)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.and (i32.shr_u (local.get $w0) (i32.const 16)) (i32.const 255)) (i32.const 3))))
        (f64.store offset=4096 (local.get $a) (f64.add (f64.load offset=4096 (local.get $a)) (local.get $v0)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.shr_u (local.get $w0) (i32.const 24)) (i32.const 3))))
        (f64.store offset=6144 (local.get $a) (f64.add (f64.load offset=6144 (local.get $a)) (local.get $v0)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.and (local.get $w1) (i32.const 255)) (i32.const 3))))
        (f64.store offset=8192 (local.get $a) (f64.add (f64.load offset=8192 (local.get $a)) (local.get $v1)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.and (i32.shr_u (local.get $w1) (i32.const 8)) (i32.const 255)) (i32.const 3))))
        (f64.store offset=10240 (local.get $a) (f64.add (f64.load offset=10240 (local.get $a)) (local.get $v1)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.and (i32.shr_u (local.get $w1) (i32.const 16)) (i32.const 255)) (i32.const 3))))
        (f64.store offset=12288 (local.get $a) (f64.add (f64.load offset=12288 (local.get $a)) (local.get $v1)))
        (local.set $a (i32.add (local.get $l) (i32.shl (i32.shr_u (local.get $w1) (i32.const 24)) (i32.const 3))))
        (f64.store offset=14336 (local.get $a) (f64.add (f64.load offset=14336 (local.get $a)) (local.get $v1)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $next))))

  ;; ordered values: $dst[k] = $src[loc[k]] for k < m (f64)
  (func (export "gather") (param $dst i32) (param $src i32) (param $loc i32) (param $m i32)
    (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $m)))
        (f64.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 3)))
          (f64.load (i32.add (local.get $src) (i32.shl (i32.load (i32.add (local.get $loc) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Stable partition of the positions loc[lo..hi): those whose byte at $col + 4·position has
  ;; go[byte] = 1 first, each side in order; $right is scratch for the right side. Returns the
  ;; number that went left.
  (func (export "partition") (param $loc i32) (param $lo i32) (param $hi i32) (param $col i32) (param $go i32) (param $right i32) (result i32)
    (local $k i32) (local $nl i32) (local $nr i32) (local $l i32) (local $left i32)
    (local.set $nl (local.get $lo))
    (local.set $k (local.get $lo))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $hi)))
        (local.set $l (i32.load (i32.add (local.get $loc) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $left (i32.load8_u (i32.add (local.get $go)
          (i32.load8_u (i32.add (local.get $col) (i32.shl (local.get $l) (i32.const 2)))))))
        (i32.store (i32.add (local.get $loc) (i32.shl (local.get $nl) (i32.const 2))) (local.get $l))
        (i32.store (i32.add (local.get $right) (i32.shl (local.get $nr) (i32.const 2))) (local.get $l))
        (local.set $nl (i32.add (local.get $nl) (local.get $left)))
        (local.set $nr (i32.sub (i32.add (local.get $nr) (i32.const 1)) (local.get $left)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (memory.copy
      (i32.add (local.get $loc) (i32.shl (local.get $nl) (i32.const 2)))
      (local.get $right)
      (i32.shl (local.get $nr) (i32.const 2)))
    (i32.sub (local.get $nl) (local.get $lo)))
)
