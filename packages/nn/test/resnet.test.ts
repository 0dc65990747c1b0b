import { describe, expect, it } from 'vitest'
import { manualSeed, noGrad, rand, sub, sum, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

// The tutorial's step on torchvision's ResNet-18: one 1×3×64×64 image, loss =
// sum(prediction − labels), backward, SGD(lr 1e-2, momentum 0.9).step().

describe('ResNet-18, the tutorial step', () => {
  it('backward gives gradients that match central differences (float64), and the step moves every parameter with a gradient', () => {
    manualSeed(7)
    const model = nn.models.resnet18().to('float64')
    const image = rand([1, 3, 64, 64], { dtype: 'float64' })
    const labels = rand([1, 1000], { dtype: 'float64' })
    const loss = () => sum(sub(model.call(image) as Tensor, labels))
    loss().backward()

    // A few sampled elements: the stem, a downsample shortcut, a late batch norm, a deep conv.
    const named = Object.fromEntries(model.namedParameters())
    const samples: [string, number][] = [['conv1.weight', 17], ['layer2.0.downsample.0.weight', 100], ['layer4.1.bn2.weight', 3], ['layer3.1.conv1.weight', 5000]]
    for (const [name, i] of samples) {
      const p = named[name]
      const data = p.contiguousData()
      const x0 = data[i]
      // Central difference with a step small enough not to cross a kink of the ~10^5 ReLU and
      // max-pool units in between (at h = 1e-5 some do, and the quotient is off by 1%);
      // rounding, ε·|loss|/h with |loss| ~ 100, is then ~1e-8, inside the tolerance.
      const h = 1e-6
      const at = (x: number) => {
        data[i] = x
        return noGrad(() => loss().item())
      }
      const numeric = (at(x0 + h) - at(x0 - h)) / (2 * h)
      data[i] = x0
      const analytic = (p.grad as Tensor).contiguousData()[i]
      expect(Math.abs(analytic - numeric), `${name}[${i}]: analytic ${analytic}, numeric ${numeric}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(numeric))
    }

    const before = model.parameters().map((p) => Float64Array.from(p.contiguousData()))
    const withGrad = model.parameters().map((p) => p.grad !== null)
    expect(withGrad.every(Boolean)).toBe(true)
    new nn.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 }).step()
    model.parameters().forEach((p, k) => {
      const g = (p.grad as Tensor).contiguousData()
      const now = p.contiguousData()
      // The first momentum step is p − lr·g exactly (the buffer starts as g).
      for (let i = 0; i < now.length; i += 97) expect(now[i]).toBe(before[k][i] - 1e-2 * g[i])
      expect(now.some((v, i) => v !== before[k][i]), model.namedParameters()[k][0]).toBe(true)
    })
  })

  it('runs the step in float32, the default', () => {
    manualSeed(8)
    const model = nn.models.resnet18()
    const prediction = model.call(rand([1, 3, 64, 64], { dtype: 'float32' })) as Tensor
    expect(prediction.shape).toEqual([1, 1000])
    expect(prediction.dtype).toBe('float32')
    sum(sub(prediction, rand([1, 1000], { dtype: 'float32' }))).backward()
    const opt = new nn.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 })
    const fc = Float32Array.from(model.fc.weight.contiguousData())
    opt.step()
    expect(model.fc.weight.contiguousData().some((v, i) => v !== fc[i])).toBe(true)
    expect(model.parameters().every((p) => p.grad !== null && p.dtype === 'float32')).toBe(true)
  })
})
