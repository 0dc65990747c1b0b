import { arch, cpus, platform } from 'node:os'

/** Where a measurement ran, for the figures the docs draw (they say on which machine and when). */
export function machine(): { cpu: string; cores: number; platform: string; arch: string; node: string } {
  return { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: platform(), arch: arch(), node: process.version }
}
