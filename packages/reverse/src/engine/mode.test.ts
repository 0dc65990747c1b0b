import { describe, expect, it } from 'vitest'
import { enableGrad, isGradEnabled, noGrad, tensor } from '../index.js'

describe('noGrad and enableGrad', () => {
  it('nest to any depth, each restoring the mode it found (also when fn throws)', () => {
    const w = tensor(2, { requiresGrad: true })
    const seen: boolean[] = []
    const result = noGrad(() => {
      seen.push(isGradEnabled(), w.mul(2).requiresGrad)
      enableGrad(() => {
        seen.push(isGradEnabled(), w.mul(2).requiresGrad)
        noGrad(() => seen.push(isGradEnabled(), w.mul(2).requiresGrad))
        seen.push(isGradEnabled())
        expect(() =>
          noGrad(() => {
            throw new Error('inner')
          }),
        ).toThrow('inner')
        seen.push(isGradEnabled())
      })
      seen.push(isGradEnabled())
      return 'value'
    })
    expect(result).toBe('value')
    expect(seen).toEqual([false, false, true, true, false, false, true, true, false])
    expect(isGradEnabled()).toBe(true)
  })

  it('a tensor made under noGrad is a leaf without history even from inputs that require grad', () => {
    const w = tensor([1, 2], { requiresGrad: true })
    const y = noGrad(() => w.mul(3).sum())
    expect(y.requiresGrad).toBe(false)
    expect(y.isLeaf).toBe(true)
    expect(() => y.backward()).toThrow(expect.objectContaining({ code: 'NO_GRAD' }))
  })
})
