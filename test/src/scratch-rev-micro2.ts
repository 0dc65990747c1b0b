import { tensor, mul } from '@ad/reverse'
const a = tensor(2), b = tensor(3)
const t0 = performance.now()
for (let i = 0; i < 3e6; i++) mul(a, b)
console.log((performance.now() - t0) / 3e6 * 1e6, 'ns')
