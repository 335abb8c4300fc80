import { z } from 'zod';
import type { PartClass, PartContext } from '../parts/part.js';
import { ConfigError } from '../util/errors.js';
import { parsePartOptions } from '../parts/options.js';
import { didYouMean } from '../util/did-you-mean.js';

/** The kinds of swappable parts a config names. */
export const PART_KINDS = ['data', 'adapter', 'masking', 'model', 'optimizer', 'schedule', 'plugin'] as const;
export type PartKind = (typeof PART_KINDS)[number];

/** A component entry of a config: `{ name: 'random', ratio: 0.75 }`. */
export interface ComponentConfig {
  name: string;
  [option: string]: unknown;
}

/**
 * Name -> class tables, one per kind. Packages register their parts when imported, so listing a
 * package under `imports:` in a config (or importing it in code) makes its names available.
 */
export class Registry {
  private readonly tables = new Map<PartKind, Map<string, PartClass>>();

  constructor() {
    for (const k of PART_KINDS) this.tables.set(k, new Map());
  }

  /** Registers a class under its `className`. Re-registering the same class is a no-op; another class under a taken name is an error. */
  register(kind: PartKind, cls: PartClass): void {
    const table = this.table(kind);
    if (!cls.className) throw new Error(`cannot register a ${kind} without a static className`);
    if (!cls.optionsSchema) throw new Error(`${kind} '${cls.className}' has no static optionsSchema`);
    const existing = table.get(cls.className);
    if (existing && existing !== cls) throw new Error(`a ${kind} named '${cls.className}' is already registered`);
    table.set(cls.className, cls);
  }

  has(kind: PartKind, name: string): boolean {
    return this.table(kind).has(name);
  }

  names(kind: PartKind): string[] {
    return [...this.table(kind).keys()].sort();
  }

  entries(kind: PartKind): PartClass[] {
    return this.names(kind).map((n) => this.table(kind).get(n)!);
  }

  /** The class for a name; an unknown name is a ConfigError listing the known ones. */
  get(kind: PartKind, name: string, fieldPath: string = kind): PartClass {
    const cls = this.table(kind).get(name);
    if (!cls) {
      const known = this.names(kind);
      throw new ConfigError(
        `${fieldPath}.name: unknown ${kind} '${name}'${didYouMean(name, known).replace(/^; (.*)$/, ' ($1)')}; known: ${known.length ? known.join(', ') : '(none registered: is the package that provides it listed under imports?)'}`,
      );
    }
    return cls;
  }

  /** Validates a component's options against its class's schema; errors name the field path. */
  parseOptions(kind: PartKind, component: ComponentConfig, fieldPath: string = kind): { cls: PartClass; options: any } {
    const cls = this.get(kind, component.name, fieldPath);
    const { name: _name, ...options } = component;
    return { cls, options: parsePartOptions(cls.optionsSchema as z.ZodType, options, fieldPath) };
  }

  /** Validates and constructs. */
  create<T>(kind: PartKind, component: ComponentConfig, ctx: PartContext, fieldPath: string = kind): T {
    const { cls, options } = this.parseOptions(kind, component, fieldPath);
    return new cls(options, ctx) as T;
  }

  private table(kind: PartKind): Map<string, PartClass> {
    const t = this.tables.get(kind);
    if (!t) throw new Error(`unknown part kind '${kind}'; kinds: ${PART_KINDS.join(', ')}`);
    return t;
  }
}

/** The process-wide registry that packages register into when imported. */
export const registry = new Registry();

/** Serialises a part the tfjs-layers way: its class name plus its config. */
export function serializePart(part: { getConfig(): Record<string, unknown>; constructor: unknown }): ComponentConfig {
  const cls = part.constructor as PartClass;
  return { name: cls.className, ...part.getConfig() };
}
