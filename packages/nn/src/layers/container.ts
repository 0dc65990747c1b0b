import { invalid } from '../errors.js'
import { Module } from '../module.js'

/** Runs its children in order, each on the previous one's output; children are named '0', '1', …. */
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super()
    modules.forEach((m, i) => this.registerModule(String(i), checkModule('Sequential', m, i)))
  }

  get length(): number {
    return this.children().length
  }

  at(i: number): Module {
    return atIndex(this, i)
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]()
  }

  override forward(x: unknown): any {
    for (const m of this.children()) x = m.call(x)
    return x
  }
}

/** A list of modules registered under '0', '1', …; it has no forward of its own. */
export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super()
    for (const m of modules) this.push(m)
  }

  get length(): number {
    return this.children().length
  }

  push(...modules: Module[]): this {
    for (const m of modules) this.registerModule(String(this.length), checkModule('ModuleList', m, this.length))
    return this
  }

  at(i: number): Module {
    return atIndex(this, i)
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]()
  }
}

function checkModule(where: string, m: unknown, i: number): Module {
  if (!(m instanceof Module)) throw invalid(`${where}: item ${i} is not a Module.`)
  return m
}

function atIndex(list: Module, i: number): Module {
  const children = list.children()
  const k = i < 0 ? i + children.length : i
  if (!Number.isInteger(k) || k < 0 || k >= children.length) throw invalid(`index ${i} is out of range for ${children.length} modules.`)
  return children[k]
}
