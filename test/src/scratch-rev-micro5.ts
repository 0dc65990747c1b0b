import { Tensor } from '@ad/reverse'
import { Storage, Tensor as CT } from '@ad/core'
const slab = new Float64Array(256)
const S: number[] = Object.freeze([]) as any
const t = new Tensor(new Storage(slab), S, S, 3)
const c = new CT(new Storage(slab), S, S, 3)
// @ts-ignore
console.log('fast R', eval('%HasFastProperties(t)'), 'fast C', eval('%HasFastProperties(c)'))
// @ts-ignore
eval('%DebugPrint(t)')
