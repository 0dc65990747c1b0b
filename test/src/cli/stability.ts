// `pnpm stability`: the numerical-stability sweep as a table (worst relative errors against decimal.js).
import { formatRows, sweep } from '../stability/sweep.js'

const { rows, missing } = sweep()
console.log(formatRows(rows))
if (missing.length > 0) console.log(`\nnot registered, so not swept: ${missing.join(', ')}`)
