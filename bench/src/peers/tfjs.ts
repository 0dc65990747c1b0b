// TensorFlow.js 4.22 as a peer: its gradients (tf.grads / variableGrads / optimizers) on the
// CPU backend and on the WebAssembly backend, for W1, W2, W3 and W5. float32 only (tfjs
// has no float64). Loaded lazily by main.ts, so a run without peers never imports it.

import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-wasm'
import { W1_N, W2_N, W3, w1x, w2x, w3data, w5data } from '../data.js'
import type { Case, Impl } from '../types.js'
import { w1Baseline } from '../workloads/w1.js'
import { w2BaselineGrad } from '../workloads/w2.js'
import { stepAnswer, w3Ref, w3Tol } from '../workloads/w3.js'
import { W5_NAMES, w5Answer, w5Ref, w5Tol, type W5Name } from '../workloads/w5.js'

export type Backend = 'cpu' | 'wasm'
export const BACKENDS: readonly Backend[] = ['cpu', 'wasm']
/** The workloads the peer runs. */
export const PEER_WORKLOADS = ['W1', 'W2', 'W3', 'W5']

export const tfjsVersion = (): string => tf.version.tfjs

/** Makes `backend` current; false when it cannot start here. */
export async function useBackend(backend: Backend): Promise<boolean> {
  tf.enableProdMode()
  const ok = await tf.setBackend(backend)
  await tf.ready()
  return ok && tf.getBackend() === backend
}

export function backendInfo(backend: Backend): string {
  if (backend !== 'wasm') return backend
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT')
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')
  return `wasm (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`
}

/** Kernels a workload's gradient needs that the backend lacks (empty: it can run it). */
export function missingKernels(workload: string, backend: Backend): string[] {
  const needs: Record<string, string[]> = {
    W5: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad'],
  }
  return (needs[workload] ?? []).filter((k) => tf.getKernel(k, backend) === undefined)
}

/** The peer's cases for a workload on the current backend (create them after `useBackend`). */
export function tfjsCases(workload: string, backend: Backend): Case[] {
  const impl = `tfjs-${backend}` as Impl
  switch (workload) {
    case 'W1':
      return [w1Case(impl)]
    case 'W2':
      return [w2Case(impl)]
    case 'W3':
      return [w3Case(impl)]
    case 'W5':
      return [w5Case(impl)]
    default:
      return []
  }
}

const f32 = (a: Float64Array): Float32Array => Float32Array.from(a)
/** The float64 values the float32 inputs really hold. */
const rounded = (a: Float64Array): Float64Array => Float64Array.from(Float32Array.from(a))

function w1Case(impl: Impl): Case {
  const x = w1x()
  const xs = Array.from(f32(x), (v) => tf.scalar(v))
  const c100 = tf.scalar(100)
  const one = tf.scalar(1)
  const f = (...v: tf.Tensor[]): tf.Scalar => {
    let acc: tf.Tensor | null = null
    for (let i = 0; i < v.length - 1; i++) {
      const t = tf.add(tf.mul(tf.square(tf.sub(v[i + 1], tf.square(v[i]))), c100), tf.square(tf.sub(one, v[i])))
      acc = acc === null ? t : tf.add(acc, t)
    }
    return acc as tf.Scalar
  }
  const vg = tf.valueAndGrads(f)
  const call = (): Float64Array => {
    const out = new Float64Array(W1_N + 1)
    tf.tidy(() => {
      const { value, grads } = vg(xs)
      out[0] = value.dataSync()[0]
      for (let i = 0; i < W1_N; i++) out[1 + i] = grads[i].dataSync()[0]
    })
    return out
  }
  return {
    workload: 'W1', variant: impl, dtype: 'float32', impl, tasks: ['reverse-grad', 'forward-grad'], tol: { rtol: 1e-4, atol: 1e-4 },
    run: call, answer: call, expected: () => w1Baseline(rounded(x)),
    dispose: () => tf.dispose([...xs, c100, one]),
    note: 'tf.valueAndGrads over 1000 scalar tensors',
  }
}

function w2Case(impl: Impl): Case {
  const x = w2x()
  const xt = tf.tensor1d(f32(x))
  const c100 = tf.scalar(100)
  const one = tf.scalar(1)
  const f = (v: tf.Tensor): tf.Scalar => {
    const x0 = tf.slice(v, 0, W2_N - 1)
    const x1 = tf.slice(v, 1, W2_N - 1)
    return tf.sum(tf.add(tf.mul(tf.square(tf.sub(x1, tf.square(x0))), c100), tf.square(tf.sub(one, x0))))
  }
  const g = tf.grad(f)
  const vg = tf.valueAndGrad(f)
  return {
    workload: 'W2', variant: impl, dtype: 'float32', impl, tasks: ['grad'],
    // float32 arithmetic on values up to ~1e3 and a sum of 1e6 terms.
    tol: { rtol: 1e-3, atol: 1e-2 },
    // (Nothing returned from tidy: it would walk a returned typed array element by element.)
    run: () => {
      let out: Float32Array | undefined
      tf.tidy(() => {
        out = g(xt).dataSync() as Float32Array
      })
      return out
    },
    answer: () => {
      const out = new Float64Array(W2_N + 1)
      tf.tidy(() => {
        const { value, grad } = vg(xt)
        out[0] = value.dataSync()[0]
        out.set(grad.dataSync(), 1)
      })
      return out
    },
    expected: () => {
      const { f: fv, g: gv } = w2BaselineGrad(rounded(x))
      const out = new Float64Array(W2_N + 1)
      out[0] = fv
      out.set(gv, 1)
      return out
    },
    dispose: () => tf.dispose([xt, c100, one]),
    note: 'tf.grad, float32; the gradient read back with dataSync',
  }
}

function w3Case(impl: Impl): Case {
  const { batch, inp, hid, out, lr } = W3
  const d = w3data()
  const X = tf.tensor2d(f32(d.X), [batch, inp])
  const Y = tf.oneHot(tf.tensor1d(Int32Array.from(d.y), 'int32'), out)
  const vars = {
    W1: tf.variable(tf.tensor2d(f32(d.W1), [inp, hid])),
    b1: tf.variable(tf.tensor1d(f32(d.b1))),
    W2: tf.variable(tf.tensor2d(f32(d.W2), [hid, out])),
    b2: tf.variable(tf.tensor1d(f32(d.b2))),
  }
  const list = [vars.W1, vars.b1, vars.W2, vars.b2]
  const reset = (): void => {
    vars.W1.assign(tf.tensor2d(f32(d.W1), [inp, hid]))
    vars.b1.assign(tf.tensor1d(f32(d.b1)))
    vars.W2.assign(tf.tensor2d(f32(d.W2), [hid, out]))
    vars.b2.assign(tf.tensor1d(f32(d.b2)))
  }
  const loss = (): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X, vars.W1), vars.b1)), vars.W2), vars.b2)) as tf.Scalar
  const opt = tf.train.sgd(lr)
  const step = (): number => {
    const l = opt.minimize(loss, true, list)!
    const v = l.dataSync()[0]
    l.dispose()
    return v
  }
  const snapshot = () => ({ W1: vars.W1.dataSync().slice(), b1: vars.b1.dataSync().slice(), W2: vars.W2.dataSync().slice(), b2: vars.b2.dataSync().slice() })
  return {
    workload: 'W3', variant: impl, dtype: 'float32', impl, baseline: 'baseline', tasks: ['step'], tol: w3Tol('float32'), reference: w3Ref('float32'),
    run: step,
    answer: () => {
      reset()
      const before = snapshot()
      const l = step()
      const a = stepAnswer(l, before, snapshot())
      reset()
      return a
    },
    dispose: () => tf.dispose([X, Y, ...list]),
    note: 'tf.train.sgd(0.01).minimize over tf.losses.softmaxCrossEntropy',
  }
}

/** NCHW → NHWC. */
function nhwc(a: Float64Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(a.length)
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + k] = a[((b * c + k) * h + y) * w + x]
  return out
}

/** [Cout, Cin, kh, kw] → [kh, kw, Cin, Cout], and back. */
function hwio(a: ArrayLike<number>, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(a.length)
  for (let p = 0; p < o; p++) for (let q = 0; q < i; q++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[((y * k + x) * i + q) * o + p] = a[((p * i + q) * k + y) * k + x]
  return out
}
function oihw(a: ArrayLike<number>, o: number, i: number, k: number): Float32Array {
  const out = new Float32Array(a.length)
  for (let p = 0; p < o; p++) for (let q = 0; q < i; q++) for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[((p * i + q) * k + y) * k + x] = a[((y * k + x) * i + q) * o + p]
  return out
}

function w5Case(impl: Impl): Case {
  const d = w5data()
  const X = tf.tensor4d(nhwc(d.X, 8, 3, 32, 32), [8, 32, 32, 3])
  const Y = tf.oneHot(tf.tensor1d(Int32Array.from(d.y), 'int32'), 10)
  const vars: Record<W5Name, tf.Variable> = {
    c1w: tf.variable(tf.tensor4d(hwio(d.c1w, 16, 3, 3), [3, 3, 3, 16])),
    c1b: tf.variable(tf.tensor1d(f32(d.c1b))),
    c2w: tf.variable(tf.tensor4d(hwio(d.c2w, 32, 16, 3), [3, 3, 16, 32])),
    c2b: tf.variable(tf.tensor1d(f32(d.c2b))),
    fw: tf.variable(tf.tensor2d(f32(d.fw), [32, 10])),
    fb: tf.variable(tf.tensor1d(f32(d.fb))),
  }
  const list = W5_NAMES.map((k) => vars[k])
  const loss = (): tf.Scalar => {
    let h = tf.relu(tf.add(tf.conv2d(X, vars.c1w as tf.Tensor4D, 1, 'same'), vars.c1b)) as tf.Tensor4D
    h = tf.maxPool(h, 2, 2, 'valid')
    h = tf.relu(tf.add(tf.conv2d(h, vars.c2w as tf.Tensor4D, 1, 'same'), vars.c2b)) as tf.Tensor4D
    const g = tf.mean(h, [1, 2])
    return tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(g, vars.fw), vars.fb)) as tf.Scalar
  }
  const call = (): [number, tf.NamedTensorMap] => {
    const { value, grads } = tf.variableGrads(loss, list)
    const v = value.dataSync()[0]
    return [v, grads]
  }
  return {
    workload: 'W5', variant: impl, dtype: 'float32', impl, baseline: 'baseline', tasks: ['step'], tol: w5Tol, reference: w5Ref,
    run: () =>
      tf.tidy(() => {
        const [, grads] = call()
        for (const k of W5_NAMES) grads[vars[k].name].dataSync()
      }),
    answer: () => {
      let out: Float64Array = new Float64Array(0)
      tf.tidy(() => {
        const [v, grads] = call()
        const get = (k: W5Name) => grads[vars[k].name].dataSync()
        out = w5Answer(v, {
          c1w: oihw(get('c1w'), 16, 3, 3), c1b: get('c1b'), c2w: oihw(get('c2w'), 32, 16, 3), c2b: get('c2b'), fw: get('fw'), fb: get('fb'),
        })
      })
      return out
    },
    dispose: () => tf.dispose([X, Y, ...list]),
    note: 'tf.variableGrads, NHWC (the data transposed once)',
  }
}
