import type { NamedVariable } from '@mtojs/core';

/** A layer that owns variables, named relative to itself ('kernel', 'qkv/bias'). */
export interface Layer {
  variables(): NamedVariable[];
}

/** Prefixes the names of a sub-layer's variables: `scoped('attn', v)` turns 'qkv/kernel' into 'attn/qkv/kernel'. */
export function scoped(prefix: string, vars: readonly NamedVariable[]): NamedVariable[] {
  return vars.map((v) => ({ ...v, name: `${prefix}/${v.name}` }));
}

/** Frees every variable of a layer; it must not be used afterwards. */
export function disposeVariables(layer: Layer): void {
  for (const v of layer.variables()) v.variable.dispose();
}
