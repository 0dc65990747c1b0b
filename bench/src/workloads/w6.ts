// W6: ResNet-18 forward + backward + SGD(lr 1e-2, momentum 0.9) step on one 3×64×64 image,
// loss sum(prediction − labels), float32: the tutorial's step.

import * as R from '@ad/reverse'
import * as nn from '@ad/nn'
import { U01 } from '../data.js'
import type { Case, Workload } from '../types.js'

function adCase(): Case {
  R.manualSeed(0)
  const model = nn.models.resnet18()
  const image = R.tensor(Float32Array.from(U01(3 * 64 * 64, 21)), { shape: [1, 3, 64, 64] })
  const labels = R.tensor(Float32Array.from(U01(1000, 22)), { shape: [1, 1000] })
  const optimizer = new nn.SGD(model.parameters(), { lr: 1e-2, momentum: 0.9 })
  const step = (): number => {
    optimizer.zeroGrad()
    const loss = R.sum(R.sub(model.call(image) as R.Tensor, labels))
    loss.backward()
    optimizer.step()
    return loss.item()
  }
  return {
    workload: 'W6', variant: 'step', dtype: 'float32', impl: 'ad',
    run: step,
    answer: () => [step()],
    note: 'no hand-written baseline (a ResNet-18 by hand is out of scope); its gradients are checked against central differences in @ad/nn\'s tests',
  }
}

export const w6: Workload = {
  id: 'W6',
  title: 'ResNet-18 forward + backward + SGD momentum step, one 3×64×64 image, float32',
  cases: () => [adCase()],
}
