import { describeValue, optionsOf, AdError, noGrad, Tensor, type DType } from '@ad/reverse'
import { Parameter } from './parameter.js'
import { toLoadable, type Loadable } from './values.js'

/** What `loadStateDict` reports: keys the module has and the dict lacks, and the reverse. */
export interface LoadResult {
  missingKeys: string[]
  unexpectedKeys: string[]
}

export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | undefined | void

/** The module's own registries; kept off the instance's enumerable fields. */
interface Registry {
  target: Module
  parameters: Map<string, Parameter | null>
  buffers: Map<string, Tensor | null>
  nonPersistent: Set<string>
  modules: Map<string, Module | null>
  preHooks: Map<number, ForwardPreHook>
  hooks: Map<number, ForwardHook>
}

const REG = Symbol('registry')
let nextHookId = 0

/**
 * The base of every layer and model, as PyTorch's `nn.Module`. Parameters, buffers and
 * submodules held in fields are registered in the order they are defined, as PyTorch
 * registers them in `__setattr__` order. ES2022 class fields are *defined* on the instance
 * (never assigned, so no setter sees them), which is why the constructor returns a Proxy:
 * a subclass's `this` is that proxy, so both its field definitions (`defineProperty`) and its
 * constructor assignments (`set`) pass through the traps below. Values also live as plain
 * own properties of the instance, so reading `this.weight` costs no trap.
 */
export class Module {
  declare readonly [REG]: Registry
  /** Training mode (`train()` / `eval()`): Dropout and BatchNorm read it. */
  declare training: boolean

  constructor() {
    const reg: Registry = {
      target: this,
      parameters: new Map(),
      buffers: new Map(),
      nonPersistent: new Set(),
      modules: new Map(),
      preHooks: new Map(),
      hooks: new Map(),
    }
    Object.defineProperty(this, REG, { value: reg, enumerable: false })
    Object.defineProperty(this, 'training', { value: true, writable: true, enumerable: false })
    return new Proxy(this, {
      set: (target, name, value) => {
        if (typeof name === 'string' && !hasAccessor(target, name)) classify(reg, name, value)
        return Reflect.set(target, name, value)
      },
      defineProperty: (target, name, descriptor) => {
        if (typeof name === 'string' && 'value' in descriptor) classify(reg, name, descriptor.value)
        return Reflect.defineProperty(target, name, descriptor)
      },
      deleteProperty: (target, name) => {
        if (typeof name === 'string') {
          reg.parameters.delete(name)
          reg.buffers.delete(name)
          reg.modules.delete(name)
        }
        return Reflect.deleteProperty(target, name)
      },
    })
  }

  /** The computation; `call` runs it between the forward hooks. */
  forward(..._inputs: unknown[]): unknown {
    throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: forward() is not implemented; define forward(...) in the subclass.`)
  }

  /** Runs `forward` with the registered hooks around it, as calling a PyTorch module does. */
  call(...inputs: unknown[]): any {
    const reg = this[REG]
    let args = inputs
    for (const hook of reg.preHooks.values()) {
      const replaced = hook(this, args)
      if (replaced !== undefined) args = replaced
    }
    let output = this.forward(...args)
    for (const hook of reg.hooks.values()) {
      const replaced = hook(this, args, output)
      if (replaced !== undefined) output = replaced
    }
    return output
  }

  registerForwardPreHook(hook: ForwardPreHook): { remove(): void } {
    const id = nextHookId++
    this[REG].preHooks.set(id, hook)
    return { remove: () => void this[REG].preHooks.delete(id) }
  }

  registerForwardHook(hook: ForwardHook): { remove(): void } {
    const id = nextHookId++
    this[REG].hooks.set(id, hook)
    return { remove: () => void this[REG].hooks.delete(id) }
  }

  registerParameter(name: string, param: Parameter | null): void {
    checkName(this, name)
    if (param !== null && !(param instanceof Parameter)) {
      throw new AdError('INVALID_ARGUMENT', `registerParameter('${name}'): expected a Parameter or null; wrap a tensor as new Parameter(t).`)
    }
    forget(this[REG], name)
    this[REG].parameters.set(name, param)
    Reflect.defineProperty(this[REG].target, name, { value: param, writable: true, enumerable: true, configurable: true })
  }

  /** A tensor saved with the module that is not trained (BatchNorm's running statistics). */
  registerBuffer(name: string, t: Tensor | null, options?: { persistent?: boolean }): void {
    const { persistent = true } = optionsOf<{ persistent?: boolean }>('registerBuffer', options)
    checkName(this, name)
    if (t !== null && !(t instanceof Tensor)) throw new AdError('INVALID_ARGUMENT', `registerBuffer('${name}'): expected a tensor or null.`)
    forget(this[REG], name)
    this[REG].buffers.set(name, t)
    if (persistent) this[REG].nonPersistent.delete(name)
    else this[REG].nonPersistent.add(name)
    Reflect.defineProperty(this[REG].target, name, { value: t, writable: true, enumerable: true, configurable: true })
  }

  registerModule(name: string, module: Module | null): void {
    checkName(this, name)
    if (module !== null && !(module instanceof Module)) throw new AdError('INVALID_ARGUMENT', `registerModule('${name}'): expected a Module or null.`)
    forget(this[REG], name)
    this[REG].modules.set(name, module)
    Reflect.defineProperty(this[REG].target, name, { value: module, writable: true, enumerable: true, configurable: true })
  }

  /** This module and every descendant, each once, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = []
    const seen = new Set<Module>()
    const walk = (m: Module, name: string) => {
      if (seen.has(m)) return
      seen.add(m)
      out.push([name, m])
      for (const [child, sub] of m[REG].modules) if (sub !== null) walk(sub, name === '' ? child : `${name}.${child}`)
    }
    walk(this, prefix)
    return out
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m)
  }

  namedChildren(): [string, Module][] {
    const out: [string, Module][] = []
    for (const [name, m] of this[REG].modules) if (m !== null) out.push([name, m])
    return out
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m)
  }

  /** Parameters with dotted names, each once (a shared parameter under its first name). */
  namedParameters(): [string, Parameter][] {
    return this.members((reg) => reg.parameters) as [string, Parameter][]
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p)
  }

  namedBuffers(): [string, Tensor][] {
    return this.members((reg) => reg.buffers)
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b)
  }

  private members(pick: (reg: Registry) => Map<string, Tensor | null>): [string, Tensor][] {
    const out: [string, Tensor][] = []
    const seen = new Set<Tensor>()
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of pick(m[REG])) {
        if (t === null || seen.has(t)) continue
        seen.add(t)
        out.push([prefix === '' ? name : `${prefix}.${name}`, t])
      }
    }
    return out
  }

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode
    return this
  }

  eval(): this {
    return this.train(false)
  }

  /** Sets every parameter's `.grad` to null (PyTorch 2's default `set_to_none=True`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null
  }

  /**
   * Converts parameters and buffers to `dtype` in place (as PyTorch's `module.to(dtype)`).
   * Parameters are replaced by converted ones, so build optimizers after calling it, as
   * PyTorch's documentation advises for `to()`.
   */
  to(dtype: DType): this {
    if (dtype !== 'float32' && dtype !== 'float64') throw new AdError('INVALID_ARGUMENT', `to(): dtype must be 'float32' or 'float64', got ${describeValue(dtype)}.`)
    for (const m of this.modules()) {
      const reg = m[REG]
      for (const [name, p] of reg.parameters) {
        if (p === null || p.dtype === dtype) continue
        setRaw(reg, reg.parameters, name, new Parameter(p.detach().to(dtype), p.requiresGrad))
      }
      for (const [name, b] of reg.buffers) {
        if (b === null || b.dtype === dtype) continue
        setRaw(reg, reg.buffers, name, new Tensor(b.detach().to(dtype).storage, b.shape))
      }
    }
    return this
  }

  /** Parameters and persistent buffers by PyTorch's dotted keys (detached, sharing storage). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = Object.create(null)
    for (const [key, t] of this.stateEntries()) out[key] = t.detach()
    return out
  }

  private stateEntries(): [string, Tensor][] {
    const out: [string, Tensor][] = []
    for (const [prefix, m] of this.namedModules()) {
      const reg = m[REG]
      const key = (name: string) => (prefix === '' ? name : `${prefix}.${name}`)
      for (const [name, p] of reg.parameters) if (p !== null) out.push([key(name), p])
      for (const [name, b] of reg.buffers) if (b !== null && !reg.nonPersistent.has(name)) out.push([key(name), b])
    }
    return out
  }

  /**
   * Copies values in by key, cast to each tensor's dtype (as PyTorch's `copy_`). Values may be
   * tensors, `{ shape, data }` objects or nested arrays. Every key and shape is checked before
   * anything is written, so a failed load changes nothing: missing or unexpected keys under
   * `strict` throw INVALID_ARGUMENT listing them, a wrong shape SHAPE_MISMATCH (strict or not).
   */
  loadStateDict(dict: Record<string, Loadable>, options?: { strict?: boolean }): LoadResult {
    const { strict = true } = optionsOf<{ strict?: boolean }>('loadStateDict', options)
    if (dict === null || typeof dict !== 'object') throw new AdError('INVALID_ARGUMENT', 'loadStateDict: expected an object mapping keys to tensors.')
    const entries = this.stateEntries()
    const own = new Set(entries.map(([k]) => k))
    const given = Object.keys(dict)
    const missingKeys = entries.map(([k]) => k).filter((k) => !Object.hasOwn(dict, k))
    const unexpectedKeys = given.filter((k) => !own.has(k))
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts = []
      if (missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.join(', ')}`)
      if (unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`)
      throw new AdError('INVALID_ARGUMENT', `loadStateDict: ${parts.join('; ')}. Pass { strict: false } to load the keys that match.`)
    }
    const writes: [Tensor, Tensor][] = []
    for (const [key, t] of entries) {
      if (!Object.hasOwn(dict, key)) continue
      const value = toLoadable(dict[key], key, t.dtype)
      if (value.shape.length !== t.shape.length || value.shape.some((d, i) => d !== t.shape[i])) {
        throw new AdError('SHAPE_MISMATCH', `loadStateDict: '${key}' has shape [${value.shape.join(', ')}] in the dict but [${t.shape.join(', ')}] in the module.`)
      }
      writes.push([t, value])
    }
    noGrad(() => {
      for (const [t, value] of writes) t.copy_(value)
    })
    return { missingKeys, unexpectedKeys }
  }
}

/** Registers a value assigned to a field, or drops it from the registries it no longer belongs to. */
function classify(reg: Registry, name: string, value: unknown): void {
  if (value instanceof Parameter) {
    forget(reg, name)
    reg.parameters.set(name, value)
  } else if (value instanceof Module) {
    forget(reg, name)
    reg.modules.set(name, value)
  } else if (reg.parameters.has(name)) {
    if (value !== null) {
      throw new AdError('INVALID_ARGUMENT', `cannot assign ${describe(value)} to parameter '${name}': expected a Parameter or null.`)
    }
    reg.parameters.set(name, null)
  } else if (reg.buffers.has(name)) {
    if (value !== null && !(value instanceof Tensor)) {
      throw new AdError('INVALID_ARGUMENT', `cannot assign ${describe(value)} to buffer '${name}': expected a tensor or null.`)
    }
    reg.buffers.set(name, value)
  } else if (reg.modules.has(name)) {
    if (value !== null) throw new AdError('INVALID_ARGUMENT', `cannot assign ${describe(value)} to submodule '${name}': expected a Module or null.`)
    reg.modules.set(name, null)
  }
}

function forget(reg: Registry, name: string): void {
  reg.parameters.delete(name)
  reg.buffers.delete(name)
  reg.modules.delete(name)
  reg.nonPersistent.delete(name)
}

function describe(value: unknown): string {
  return value instanceof Tensor ? 'a plain tensor' : typeof value
}

function checkName(m: Module, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw new AdError('INVALID_ARGUMENT', `${m.constructor.name}: a registered name must be a non-empty string without '.', got '${String(name)}'.`)
  }
}

function hasAccessor(target: object, name: string): boolean {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, name)
    if (d !== undefined) return d.set !== undefined
  }
  return false
}

/** Replaces a registered value without the traps (used by `to` and `functionalCall`). */
function setRaw<T>(reg: Registry, map: Map<string, T>, name: string, value: T): void {
  map.set(name, value)
  Reflect.defineProperty(reg.target, name, { value, writable: true, enumerable: true, configurable: true })
}

/**
 * Runs `module.call(...inputs)` with some parameters and buffers replaced by the given
 * tensors (dotted names), then puts the originals back, as `torch.func.functional_call`.
 * The replacements may be any tensors (not Parameters), so gradients flow to them.
 */
export function functionalCall(module: Module, replacements: Record<string, Tensor>, ...inputs: unknown[]): any {
  const byName = new Map(module.namedModules())
  const undo: (() => void)[] = []
  try {
    for (const [key, value] of Object.entries(replacements)) {
      const cut = key.lastIndexOf('.')
      const owner = byName.get(cut < 0 ? '' : key.slice(0, cut))
      const leaf = key.slice(cut + 1)
      const reg = owner?.[REG]
      const map = reg === undefined ? undefined : reg.parameters.has(leaf) ? reg.parameters : reg.buffers.has(leaf) ? reg.buffers : undefined
      if (reg === undefined || map === undefined) throw new AdError('INVALID_ARGUMENT', `functionalCall: the module has no parameter or buffer '${key}'.`)
      const old = map.get(leaf) as Tensor | null
      setRaw(reg, map as Map<string, Tensor | null>, leaf, value)
      undo.push(() => setRaw(reg, map as Map<string, Tensor | null>, leaf, old))
    }
    return module.call(...inputs)
  } finally {
    for (const f of undo.reverse()) f()
  }
}
