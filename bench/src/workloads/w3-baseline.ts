// W3's baseline: the MLP SGD step in plain loops. main.ts imports this module once per dtype
// (with a query string, so each gets its own functions and V8 keeps each monomorphic).

export type FloatArray = Float32Array | Float64Array

export interface MlpParams {
  W1: FloatArray // [inp, hid]
  b1: FloatArray // [hid]
  W2: FloatArray // [hid, out]
  b2: FloatArray // [out]
}

/**
 * One step: loss = mean cross-entropy of relu(X W1 + b1) W2 + b2, then p −= lr ∇p in place.
 * Matmuls are i-k-j loops (contiguous inner loops), nothing blocked or unrolled.
 */
export function mlpStep(p: MlpParams, X: FloatArray, y: ArrayLike<number>, batch: number, inp: number, hid: number, out: number, lr: number): number {
  const make = (n: number): FloatArray => (X instanceof Float32Array ? new Float32Array(n) : new Float64Array(n))
  const { W1, b1, W2, b2 } = p
  // Forward.
  const h = make(batch * hid)
  for (let i = 0; i < batch; i++) {
    const hi = i * hid
    for (let j = 0; j < hid; j++) h[hi + j] = b1[j]
    for (let k = 0; k < inp; k++) {
      const a = X[i * inp + k]
      const wk = k * hid
      for (let j = 0; j < hid; j++) h[hi + j] += a * W1[wk + j]
    }
    for (let j = 0; j < hid; j++) if (h[hi + j] < 0) h[hi + j] = 0
  }
  const z = make(batch * out)
  for (let i = 0; i < batch; i++) {
    for (let c = 0; c < out; c++) z[i * out + c] = b2[c]
    for (let k = 0; k < hid; k++) {
      const a = h[i * hid + k]
      for (let c = 0; c < out; c++) z[i * out + c] += a * W2[k * out + c]
    }
  }
  // Loss, and dz = (softmax(z) − onehot(y)) / batch.
  let loss = 0
  const dz = make(batch * out)
  for (let i = 0; i < batch; i++) {
    const zi = i * out
    let m = -Infinity
    for (let c = 0; c < out; c++) if (z[zi + c] > m) m = z[zi + c]
    let s = 0
    for (let c = 0; c < out; c++) s += Math.exp(z[zi + c] - m)
    const t = y[i]
    loss += m + Math.log(s) - z[zi + t]
    for (let c = 0; c < out; c++) dz[zi + c] = (Math.exp(z[zi + c] - m) / s - (c === t ? 1 : 0)) / batch
  }
  loss /= batch
  // Backward.
  const gW2 = make(hid * out)
  const gb2 = make(out)
  const dh = make(batch * hid)
  for (let i = 0; i < batch; i++) {
    for (let c = 0; c < out; c++) gb2[c] += dz[i * out + c]
    for (let k = 0; k < hid; k++) {
      const a = h[i * hid + k]
      let s = 0
      for (let c = 0; c < out; c++) {
        gW2[k * out + c] += a * dz[i * out + c]
        s += dz[i * out + c] * W2[k * out + c]
      }
      dh[i * hid + k] = a > 0 ? s : 0
    }
  }
  const gW1 = make(inp * hid)
  const gb1 = make(hid)
  for (let i = 0; i < batch; i++) {
    const di = i * hid
    for (let j = 0; j < hid; j++) gb1[j] += dh[di + j]
    for (let k = 0; k < inp; k++) {
      const a = X[i * inp + k]
      const gk = k * hid
      for (let j = 0; j < hid; j++) gW1[gk + j] += a * dh[di + j]
    }
  }
  // Update.
  for (let q = 0; q < W1.length; q++) W1[q] -= lr * gW1[q]
  for (let q = 0; q < b1.length; q++) b1[q] -= lr * gb1[q]
  for (let q = 0; q < W2.length; q++) W2[q] -= lr * gW2[q]
  for (let q = 0; q < b2.length; q++) b2[q] -= lr * gb2[q]
  return loss
}
