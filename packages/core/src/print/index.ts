export { formatTensor, INSPECT, type Printable } from './format.js'
export { setPrintOptions, printOptions, DEFAULT_PRINT_OPTIONS, type PrintOptions } from './options.js'
