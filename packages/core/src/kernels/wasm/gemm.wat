;; The SIMD kernels of ad's matrix product (see ../gemm.ts and ./simd-gemm.ts).
;;
;; Assembled by packages/core/scripts/build-wasm.mjs into gemm-bytes.ts; a test assembles it
;; again and checks the committed bytes are the same.
;;
;; pack32 / pack64 lay the operands (copied into memory by the TypeScript driver) out in
;; panels; gemm_f32 / gemm_f64 each run one pass of C += A·B over a block of panels
;; (GotoBLAS style). The driver chooses the blocks and copies C out.
;;   A: row panels of 4 rows. Panel i holds A[4i .. 4i+3, p] at p·(4·size) + r·size, for the
;;      kc values of p in this pass; consecutive panels are `aStride` bytes apart.
;;   B: column panels (8 float32 or 4 float64 columns: 32 bytes a row). Panel j holds
;;      B[p, j·w .. j·w+w-1] at p·32; consecutive panels are `bStride` bytes apart.
;;   C: row-major, `ldc` bytes a row, rows and columns padded to whole panels.
;; With `load` 0 the pass starts from zero (the first pass over k), otherwise from C.
;;
;; The 4-row tile is held in 8 v128 accumulators: per step of p, 2 loads of B, 4 splat
;; loads of A, 8 multiplies and 8 adds, and C is touched only at the ends of the pass.
;; Sums run along p in order, with separate multiply and add (wasm has no fused
;; multiply-add), so float64 results equal the TypeScript kernel's bit for bit.
(module
  (memory (export "memory") 1)

  (func (export "gemm_f32")
    (param $a i32) (param $aStride i32) (param $b i32) (param $bStride i32)
    (param $c i32) (param $ldc i32) (param $rowPanels i32) (param $colPanels i32)
    (param $kc i32) (param $load i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ap i32) (local $bp i32) (local $cp i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (block $jDone (loop $jLoop
      (br_if $jDone (i32.ge_u (local.get $j) (local.get $colPanels)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $rowPanels)))
        ;; the tile's top-left corner: row 4i, column panel j (32 bytes a panel)
        (local.set $cp (i32.add (local.get $c)
          (i32.add (i32.mul (i32.mul (local.get $i) (i32.const 4)) (local.get $ldc)) (i32.mul (local.get $j) (i32.const 32)))))
        (if (local.get $load)
          (then
            (local.set $c00 (v128.load offset=0 (local.get $cp)))
            (local.set $c01 (v128.load offset=16 (local.get $cp)))
            (local.set $c10 (v128.load offset=0 (i32.add (local.get $cp) (local.get $ldc))))
            (local.set $c11 (v128.load offset=16 (i32.add (local.get $cp) (local.get $ldc))))
            (local.set $c20 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2)))))
            (local.set $c21 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2)))))
            (local.set $c30 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3)))))
            (local.set $c31 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))))))
          (else
            (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
            (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
            (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
            (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aStride))))
        (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bStride))))
        (local.set $p (local.get $kc))
        (block $pDone (loop $pLoop
          (br_if $pDone (i32.eqz (local.get $p)))
          (local.set $b0 (v128.load offset=0 (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $x (v128.load32_splat offset=0 (local.get $ap)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=4 (local.get $ap)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=8 (local.get $ap)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat offset=12 (local.get $ap)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $pLoop)))
        (v128.store offset=0 (local.get $cp) (local.get $c00))
        (v128.store offset=16 (local.get $cp) (local.get $c01))
        (v128.store offset=0 (i32.add (local.get $cp) (local.get $ldc)) (local.get $c10))
        (v128.store offset=16 (i32.add (local.get $cp) (local.get $ldc)) (local.get $c11))
        (v128.store offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c20))
        (v128.store offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c21))
        (v128.store offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
        (v128.store offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jLoop))))

  ;; The same for float64: 4x4 tiles (a row of B's panel is two f64x2), A's rows 8 bytes apart.
  (func (export "gemm_f64")
    (param $a i32) (param $aStride i32) (param $b i32) (param $bStride i32)
    (param $c i32) (param $ldc i32) (param $rowPanels i32) (param $colPanels i32)
    (param $kc i32) (param $load i32)
    (local $i i32) (local $j i32) (local $p i32) (local $ap i32) (local $bp i32) (local $cp i32)
    (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (block $jDone (loop $jLoop
      (br_if $jDone (i32.ge_u (local.get $j) (local.get $colPanels)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $rowPanels)))
        (local.set $cp (i32.add (local.get $c)
          (i32.add (i32.mul (i32.mul (local.get $i) (i32.const 4)) (local.get $ldc)) (i32.mul (local.get $j) (i32.const 32)))))
        (if (local.get $load)
          (then
            (local.set $c00 (v128.load offset=0 (local.get $cp)))
            (local.set $c01 (v128.load offset=16 (local.get $cp)))
            (local.set $c10 (v128.load offset=0 (i32.add (local.get $cp) (local.get $ldc))))
            (local.set $c11 (v128.load offset=16 (i32.add (local.get $cp) (local.get $ldc))))
            (local.set $c20 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2)))))
            (local.set $c21 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2)))))
            (local.set $c30 (v128.load offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3)))))
            (local.set $c31 (v128.load offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))))))
          (else
            (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
            (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
            (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
            (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))))
        (local.set $ap (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aStride))))
        (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $bStride))))
        (local.set $p (local.get $kc))
        (block $pDone (loop $pLoop
          (br_if $pDone (i32.eqz (local.get $p)))
          (local.set $b0 (v128.load offset=0 (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $x (v128.load64_splat offset=0 (local.get $ap)))
          (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=8 (local.get $ap)))
          (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=16 (local.get $ap)))
          (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load64_splat offset=24 (local.get $ap)))
          (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $x) (local.get $b1))))
          (local.set $ap (i32.add (local.get $ap) (i32.const 32)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (local.set $p (i32.sub (local.get $p) (i32.const 1)))
          (br $pLoop)))
        (v128.store offset=0 (local.get $cp) (local.get $c00))
        (v128.store offset=16 (local.get $cp) (local.get $c01))
        (v128.store offset=0 (i32.add (local.get $cp) (local.get $ldc)) (local.get $c10))
        (v128.store offset=16 (i32.add (local.get $cp) (local.get $ldc)) (local.get $c11))
        (v128.store offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c20))
        (v128.store offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c21))
        (v128.store offset=0 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
        (v128.store offset=16 (i32.add (local.get $cp) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $jLoop))))

  ;; Packs panels of `width` lanes (A: 4 rows; B: 8 float32 columns) from a strided matrix
  ;; already copied into memory: lane l of panel q at step p is read from
  ;;   src + (q·width + l)·laneStride + p·pStride
  ;; and written to dst + ((q·k + p)·width + l)·4, or 0 past the last of `lanes` lanes.
  ;; Strides are in bytes; values are copied as bits. Three ways, fastest first:
  ;;   lanes next to each other (a row of B, a column of a transposed A): 16 bytes at a time;
  ;;   steps next to each other (a row of A, a column of a transposed B): 4x4 blocks read
  ;;   as four rows and transposed with shuffles;
  ;;   otherwise (the last, partial panel; sparse views) one value at a time.
  (func (export "pack32")
    (param $src i32) (param $laneStride i32) (param $pStride i32) (param $lanes i32)
    (param $k i32) (param $width i32) (param $dst i32)
    (local $q i32) (local $p i32) (local $l i32) (local $g i32) (local $first i32) (local $at i32)
    (local $n i32) (local $row i32) (local $from i32) (local $to i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $row (i32.mul (local.get $width) (i32.const 4)))
    (block $qDone (loop $qLoop
      (local.set $first (i32.mul (local.get $q) (local.get $width)))
      (br_if $qDone (i32.ge_u (local.get $first) (local.get $lanes)))
      ;; lanes of this panel that exist
      (local.set $n (i32.sub (local.get $lanes) (local.get $first)))
      (if (i32.gt_u (local.get $n) (local.get $width)) (then (local.set $n (local.get $width))))
      (local.set $at (i32.add (local.get $src) (i32.mul (local.get $first) (local.get $laneStride))))
      (local.set $p (i32.const 0))
      (if (i32.eq (local.get $n) (local.get $width))
        (then
          (if (i32.eq (local.get $laneStride) (i32.const 4))
            (then
              ;; contiguous lanes: copy each step's row of the panel
              (block $cDone (loop $cLoop
                (br_if $cDone (i32.ge_u (local.get $p) (local.get $k)))
                (v128.store (local.get $dst) (v128.load (local.get $at)))
                (if (i32.eq (local.get $width) (i32.const 8))
                  (then (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $at)))))
                (local.set $dst (i32.add (local.get $dst) (local.get $row)))
                (local.set $at (i32.add (local.get $at) (local.get $pStride)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $cLoop))))
            (else (if (i32.eq (local.get $pStride) (i32.const 4))
              (then
                ;; contiguous steps: 4 steps of each group of 4 lanes, transposed
                (block $tDone (loop $tLoop
                  (br_if $tDone (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $k)))
                  (local.set $g (i32.const 0))
                  (block $gDone (loop $gLoop
                    (br_if $gDone (i32.ge_u (local.get $g) (local.get $width)))
                    (local.set $from (i32.add (local.get $at) (i32.mul (local.get $g) (local.get $laneStride))))
                    (local.set $r0 (v128.load (local.get $from)))
                    (local.set $r1 (v128.load (i32.add (local.get $from) (local.get $laneStride))))
                    (local.set $r2 (v128.load (i32.add (local.get $from) (i32.mul (local.get $laneStride) (i32.const 2)))))
                    (local.set $r3 (v128.load (i32.add (local.get $from) (i32.mul (local.get $laneStride) (i32.const 3)))))
                    (local.set $to (i32.add (local.get $dst) (i32.mul (local.get $g) (i32.const 4))))
                    ;; t0 = (r0[0], r1[0], r0[1], r1[1]), t1 = (r2[0], r3[0], r2[1], r3[1])
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
                    (v128.store (local.get $to)
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
                    (v128.store (i32.add (local.get $to) (local.get $row))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
                    ;; t0 = (r0[2], r1[2], r0[3], r1[3]), t1 = (r2[2], r3[2], r2[3], r3[3])
                    (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
                    (v128.store (i32.add (local.get $to) (i32.mul (local.get $row) (i32.const 2)))
                      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
                    (v128.store (i32.add (local.get $to) (i32.mul (local.get $row) (i32.const 3)))
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
                    (local.set $g (i32.add (local.get $g) (i32.const 4)))
                    (br $gLoop)))
                  (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $row) (i32.const 4))))
                  (local.set $at (i32.add (local.get $at) (i32.const 16)))
                  (local.set $p (i32.add (local.get $p) (i32.const 4)))
                  (br $tLoop)))))))))
      ;; the steps left, one value at a time
      (block $sDone (loop $sLoop
        (br_if $sDone (i32.ge_u (local.get $p) (local.get $k)))
        (local.set $l (i32.const 0))
        (block $lDone (loop $lLoop
          (br_if $lDone (i32.ge_u (local.get $l) (local.get $width)))
          (i32.store (i32.add (local.get $dst) (i32.mul (local.get $l) (i32.const 4)))
            (if (result i32) (i32.lt_u (local.get $l) (local.get $n))
              (then (i32.load (i32.add (local.get $at) (i32.mul (local.get $l) (local.get $laneStride)))))
              (else (i32.const 0))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br $lLoop)))
        (local.set $dst (i32.add (local.get $dst) (local.get $row)))
        (local.set $at (i32.add (local.get $at) (local.get $pStride)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $sLoop)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qLoop))))

  ;; The same for 8-byte values (float64): panels of 4 lanes, 32 bytes a step; contiguous
  ;; steps are transposed in 2x2 blocks (two steps of two lanes per pair of loads).
  (func (export "pack64")
    (param $src i32) (param $laneStride i32) (param $pStride i32) (param $lanes i32)
    (param $k i32) (param $dst i32)
    (local $q i32) (local $p i32) (local $l i32) (local $first i32) (local $at i32) (local $n i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (block $qDone (loop $qLoop
      (local.set $first (i32.mul (local.get $q) (i32.const 4)))
      (br_if $qDone (i32.ge_u (local.get $first) (local.get $lanes)))
      (local.set $n (i32.sub (local.get $lanes) (local.get $first)))
      (if (i32.gt_u (local.get $n) (i32.const 4)) (then (local.set $n (i32.const 4))))
      (local.set $at (i32.add (local.get $src) (i32.mul (local.get $first) (local.get $laneStride))))
      (local.set $p (i32.const 0))
      (if (i32.eq (local.get $n) (i32.const 4))
        (then
          (if (i32.eq (local.get $laneStride) (i32.const 8))
            (then
              (block $cDone (loop $cLoop
                (br_if $cDone (i32.ge_u (local.get $p) (local.get $k)))
                (v128.store (local.get $dst) (v128.load (local.get $at)))
                (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $at)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $at (i32.add (local.get $at) (local.get $pStride)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $cLoop))))
            (else (if (i32.eq (local.get $pStride) (i32.const 8))
              (then
                (block $tDone (loop $tLoop
                  (br_if $tDone (i32.gt_u (i32.add (local.get $p) (i32.const 2)) (local.get $k)))
                  ;; r_l = (lane l at step p, lane l at step p + 1)
                  (local.set $r0 (v128.load (local.get $at)))
                  (local.set $r1 (v128.load (i32.add (local.get $at) (local.get $laneStride))))
                  (local.set $r2 (v128.load (i32.add (local.get $at) (i32.mul (local.get $laneStride) (i32.const 2)))))
                  (local.set $r3 (v128.load (i32.add (local.get $at) (i32.mul (local.get $laneStride) (i32.const 3)))))
                  (v128.store offset=0 (local.get $dst)
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r0) (local.get $r1)))
                  (v128.store offset=16 (local.get $dst)
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $r2) (local.get $r3)))
                  (v128.store offset=32 (local.get $dst)
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r0) (local.get $r1)))
                  (v128.store offset=48 (local.get $dst)
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $r2) (local.get $r3)))
                  (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                  (local.set $at (i32.add (local.get $at) (i32.const 16)))
                  (local.set $p (i32.add (local.get $p) (i32.const 2)))
                  (br $tLoop)))))))))
      (block $sDone (loop $sLoop
        (br_if $sDone (i32.ge_u (local.get $p) (local.get $k)))
        (local.set $l (i32.const 0))
        (block $lDone (loop $lLoop
          (br_if $lDone (i32.ge_u (local.get $l) (i32.const 4)))
          (i64.store (i32.add (local.get $dst) (i32.mul (local.get $l) (i32.const 8)))
            (if (result i64) (i32.lt_u (local.get $l) (local.get $n))
              (then (i64.load (i32.add (local.get $at) (i32.mul (local.get $l) (local.get $laneStride)))))
              (else (i64.const 0))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br $lLoop)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $at (i32.add (local.get $at) (local.get $pStride)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $sLoop)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $qLoop))))
)
