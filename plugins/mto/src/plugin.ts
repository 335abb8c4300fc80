import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  parsePartOptions,
  formatZodIssues,
  type AttentionInfo,
  type LossContext,
  type PartContext,
  type PluginHost,
  type Stateful,
  type StepContext,
  type StepMetrics,
  type TrainerPlugin,
} from '@mtojs/core';
import { spaLoss, type MaskedAttention } from './attention-mass.js';
import { attentionStatistics, diagnosticNames } from './diagnostics.js';
import { getHeterogeneityMeasure, type HeterogeneityMeasure } from './heterogeneity.js';
import { earlyLoss, rankLoss, splitLayers } from './heterogeneity-losses.js';
import { describeLayerRange, layerInRange, mtoOptionsSchema, type MtoOptions, type MtoOptionsInput } from './options.js';
import { recalibrationBias } from './recalibration.js';
import { TokenRolesCache, tokenRoles } from './roles.js';
import { warmupFactor } from './warmup.js';

/** Names of the loss terms the plugin adds. */
export const MTO_TERMS = { spa: 'mto/spa', early: 'mto/e', rank: 'mto/r' } as const;

/**
 * Stage of the attentionLogits tap: late, so that plugins that rescale logits (a temperature)
 * run first and beta stays in units of the logits the softmax sees. Order other taps against
 * it with `before: 'mto'` / `after: 'mto'`.
 */
export const RECALIBRATION_STAGE = 10;

/** Decay of the exponential moving means of the diagnostics kept in the plugin state. */
export const DIAGNOSTIC_MEAN_DECAY = 0.9;

/** What the plugin collected from one layer of the mixing module during the current step. */
interface LayerRecord {
  tokenMask: tf.Tensor2D;
  padding: tf.Tensor2D | null;
  probs?: tf.Tensor4D;
  features?: tf.Tensor3D;
}

/** Per-step collection; lives from stepStart to the loss tap of one training step. */
interface StepRecord {
  diagnostics: boolean;
  numLayers: number;
  layers: Map<number, LayerRecord>;
}

const stateSchema = z.object({
  appliedSteps: z.number().int().min(0),
  diagnostics: z.record(z.string(), z.object({ mean: z.number(), count: z.number().int().min(0) })).default({}),
});

/** The plugin's checkpointed state. */
export type MtoState = z.infer<typeof stateSchema>;

/** Which components are on. */
interface Components {
  recalibration: boolean;
  spa: boolean;
  early: boolean;
  rank: boolean;
  diagnostics: boolean;
}

/**
 * Masked Token Optimization (Choi et al., ECCV 2024) as a trainer plugin: weight recalibration
 * of the mixing module's attention, and the L_spa, L_e, L_r terms, each switchable on its own
 * (docs/mto.md). With every component off it taps nothing, so a run equals its baseline.
 */
export class MtoPlugin implements TrainerPlugin, Stateful {
  static readonly className = 'mto';
  static readonly description = 'Masked Token Optimization: attention recalibration and heterogeneity losses (Choi et al., ECCV 2024)';
  static readonly optionsSchema = mtoOptionsSchema;

  readonly name = 'mto';
  readonly options: MtoOptions;
  readonly measure: HeterogeneityMeasure;
  private host: PluginHost | null = null;
  /** The module acted on, resolved from 'auto' at apply(). */
  private module = '';
  private current: StepRecord | null = null;
  private untaps: (() => void)[] = [];
  private appliedSteps = 0;
  private readonly diagnosticMeans = new Map<string, { mean: number; count: number }>();
  private readonly warned = new Set<string>();
  /** Roles and biases of the current mask, shared by the layers of one forward pass. */
  private readonly roles = new TokenRolesCache();

  constructor(options: MtoOptionsInput = {}, _ctx?: PartContext) {
    this.options = parseMtoOptions(options);
    this.measure = getHeterogeneityMeasure(this.options.measure);
  }

  getConfig(): Record<string, unknown> {
    return structuredClone(this.options) as Record<string, unknown>;
  }

  /** The components that are on (a lambda of 0 switches its term off). */
  get components(): Components {
    const o = this.options;
    return {
      recalibration: o.recalibration.enabled,
      spa: o.lambdaSpa > 0,
      early: o.lambdaE > 0,
      rank: o.lambdaR > 0,
      diagnostics: o.diagnostics.enabled,
    };
  }

  /** The module MTO acts on (after apply). */
  get mixingModule(): string {
    return this.module;
  }

  apply(host: PluginHost): void {
    if (this.host) throw new Error('the mto plugin is already applied; create one plugin per run');
    this.host = host;
    const o = this.options;
    this.module = o.module === 'auto' ? host.model.mixingModule : o.module;
    const c = this.components;
    const collects = c.spa || c.early || c.rank || c.diagnostics;
    if (!c.recalibration && !collects) {
      host.logger.info('mto: every component is off (recalibration disabled, all lambdas 0, no diagnostics); nothing is tapped');
      return;
    }
    const hooks = host.hooks;
    // Before other stepStart taps, so the collection is fresh whatever they do.
    this.untaps.push(hooks.stepStart.tap({ name: this.name, stage: -10 }, (ctx) => this.onStepStart(ctx)));
    if (c.recalibration) {
      this.untaps.push(
        hooks.attentionLogits.tap({ name: this.name, stage: RECALIBRATION_STAGE }, (logits, info) => this.onAttentionLogits(logits, info)),
      );
    }
    const hetFromProbs = (c.early || c.rank) && this.measure.requires === 'probs';
    const hetFromFeatures = (c.early || c.rank || c.diagnostics) && this.measure.requires === 'features';
    if (c.spa || c.diagnostics || hetFromProbs) {
      this.untaps.push(hooks.attentionProbs.tap(this.name, (obs, info, ctx) => this.onAttentionProbs(obs.probs, info, ctx)));
    }
    if (hetFromFeatures) {
      this.untaps.push(hooks.blockOutput.tap(this.name, (obs, info, ctx) => this.onBlockOutput(obs.features, info, ctx)));
    }
    if (collects) this.untaps.push(hooks.loss.tap(this.name, (ctx) => this.onLoss(ctx)));
    if (c.diagnostics) {
      const listener = (e: StepMetrics) => this.updateDiagnosticMeans(e.extra);
      host.events.on('batchEnd', listener);
      this.untaps.push(() => host.events.off('batchEnd', listener));
    }
    const terms = [c.spa && `L_spa x ${o.lambdaSpa}`, c.early && `L_e x ${o.lambdaE}${o.targetE === null ? ' (unbounded)' : ` (target ${o.targetE})`}`, c.rank && `L_r x ${o.lambdaR} (margin ${o.delta})`].filter(Boolean);
    const where = describeLayerRange(o.recalibration.layers);
    const recal = !c.recalibration
      ? 'no recalibration'
      : o.recalibration.beta === 'inf'
        ? `hard recalibration (visible tokens ignore masked ones) in ${where}`
        : `soft recalibration (attention logits of visible tokens on masked ones lowered by ${o.recalibration.beta}) in ${where}`;
    host.logger.info(`mto: module '${this.module}', ${recal}, ${terms.length ? terms.join(', ') : 'no loss terms'}, measure ${this.measure.name}`);
  }

  dispose(): void {
    for (const untap of this.untaps) untap();
    this.untaps = [];
    this.current = null;
    this.roles.clear();
    this.host = null;
  }

  getState(): MtoState {
    return { appliedSteps: this.appliedSteps, diagnostics: Object.fromEntries([...this.diagnosticMeans].map(([k, v]) => [k, { ...v }])) };
  }

  setState(state: unknown): void {
    const parsed = stateSchema.safeParse(state);
    if (!parsed.success) throw new Error(`mto: invalid plugin state in checkpoint: ${formatZodIssues(parsed.error, 'state', state)}`);
    this.appliedSteps = parsed.data.appliedSteps;
    this.diagnosticMeans.clear();
    for (const [k, v] of Object.entries(parsed.data.diagnostics)) this.diagnosticMeans.set(k, { ...v });
  }

  /** Training steps the plugin has seen (its checkpointed step counter). */
  get stepsApplied(): number {
    return this.appliedSteps;
  }

  /** Exponential moving means of the reported diagnostics, by name. */
  diagnosticMeansByName(): Record<string, number> {
    return Object.fromEntries([...this.diagnosticMeans].map(([k, v]) => [k, v.mean]));
  }

  // ---- taps -------------------------------------------------------------------------------

  private onStepStart(ctx: StepContext): void {
    this.current = null;
    this.roles.clear();
    if (!ctx.training) return;
    this.appliedSteps++;
    const c = this.components;
    if (c.spa || c.early || c.rank || c.diagnostics) {
      this.current = { diagnostics: this.isDiagnosticStep(ctx.step), numLayers: 0, layers: new Map() };
    }
  }

  /** Recalibration applies in training and evaluation alike: it is part of the model's forward pass. */
  private onAttentionLogits(logits: tf.Tensor4D, info: AttentionInfo): tf.Tensor4D {
    if (info.module !== this.module || !info.tokenMask) return logits;
    if (!layerInRange(info.layer, info.numLayers, this.options.recalibration.layers)) return logits;
    const beta = this.options.recalibration.beta;
    const bias = this.roles.derive(info.tokenMask, info.tokenPadding, `bias:${beta}`, (roles) => recalibrationBias(info.tokenMask!, beta, info.tokenPadding, roles));
    return tf.add(logits, bias) as tf.Tensor4D;
  }

  private onAttentionProbs(probs: tf.Tensor4D, info: AttentionInfo, ctx: StepContext): void {
    const record = this.recordFor(info, ctx);
    if (record && this.needsProbs(info.layer, info.numLayers)) record.probs = probs;
  }

  private onBlockOutput(features: tf.Tensor3D, info: AttentionInfo, ctx: StepContext): void {
    const record = this.recordFor(info, ctx);
    if (record && (this.current!.diagnostics || this.hetNeeded(info.layer))) record.features = features;
  }

  private onLoss(ctx: LossContext): void {
    const step = this.current;
    this.current = null;
    if (!step || !ctx.training) return;
    if (step.layers.size === 0) {
      this.warnOnce('no-layers', `mto: a training step had no attention layer of module '${this.module}' with mask tokens; MTO adds no terms (is 'module' right?)`);
      return;
    }
    const o = this.options;
    const c = this.components;
    const L = step.numLayers;
    const factor = warmupFactor(ctx.step, o.warmupSteps);
    const hetCache = new Map<number, tf.Scalar | null>();
    const { early, later } = splitLayers(L, o.earlyLayers);
    const wanted = new Set<number>([...(c.early ? early : []), ...(c.rank && later.length >= 2 ? later : [])]);
    if (step.diagnostics) for (let l = 0; l < L; l++) wanted.add(l);
    this.batchedHeterogeneity(step, [...wanted].sort((a, b) => a - b), hetCache);
    const het = (layer: number): tf.Scalar | null => {
      if (!hetCache.has(layer)) {
        const r = step.layers.get(layer);
        const x = this.measure.requires === 'probs' ? r?.probs : r?.features;
        hetCache.set(layer, r && x ? (tf.mean(this.measure.compute(x, r.tokenMask, r.padding, this.roles.get(r.tokenMask, r.padding))) as tf.Scalar) : null);
      }
      return hetCache.get(layer)!;
    };

    if (c.spa) {
      const soft: MaskedAttention[] = [];
      for (const [layer, r] of step.layers) if (r.probs && !this.hardAt(layer, L)) soft.push({ probs: r.probs, tokenMask: r.tokenMask, padding: r.padding });
      // Hard-recalibrated layers are exactly 0: left out of the sum, kept in the layer count.
      if (soft.length > 0) ctx.add(MTO_TERMS.spa, spaLoss(soft, L), o.lambdaSpa * factor);
      else this.warnOnce('spa-zero', 'mto: L_spa is identically 0 under hard recalibration of every layer; it is not computed');
    }
    if (c.early) {
      const values = early.map(het).filter((h): h is tf.Scalar => h !== null);
      if (values.length > 0) ctx.add(MTO_TERMS.early, earlyLoss(values, o.targetE), o.lambdaE * factor);
    }
    if (c.rank) {
      const values = later.map(het);
      if (later.length < 2) {
        // Said once, as information: a module this shallow (the MNIST demo's 2-layer decoder)
        // is a configuration, not a mistake, and the term is simply absent.
        this.noteOnce(
          'rank-layers',
          `mto: L_r is off: it ranks pairs of later layers, and module '${this.module}' has ${plural(L, 'layer')} of which ${o.earlyLayers} ${o.earlyLayers === 1 ? 'is' : 'are'} early (earlyLayers), leaving ${plural(Math.max(0, L - o.earlyLayers), 'later layer')}`,
        );
      } else if (values.some((h) => h === null)) {
        this.warnOnce('rank-missing', `mto: some later layers of module '${this.module}' were not observed; L_r is skipped`);
      } else {
        ctx.add(MTO_TERMS.rank, rankLoss(values as tf.Scalar[], o.delta), o.lambdaR * factor);
      }
    }
    if (step.diagnostics) this.reportDiagnostics(step, het);
    this.roles.clear();
  }

  // ---- helpers ----------------------------------------------------------------------------

  /**
   * Het of several layers in one pass: their inputs stacked along the batch axis, the mask tiled
   * to match, one measure call, the per-sample values split back by layer. The measure is
   * per sample, so this equals one call per layer (to float rounding) at a fraction of the
   * kernels. Layers with another mask tensor, or without the input, are left to the per-layer path.
   */
  private batchedHeterogeneity(step: StepRecord, layers: number[], into: Map<number, tf.Scalar | null>): void {
    const key = this.measure.requires === 'probs' ? 'probs' : 'features';
    const records = layers.map((l) => ({ layer: l, r: step.layers.get(l) })).filter((x) => x.r && x.r[key]);
    if (records.length < 2) return;
    const { tokenMask, padding } = records[0].r!;
    if (records.some((x) => x.r!.tokenMask !== tokenMask || x.r!.padding !== padding)) return;
    const n = records.length;
    const [B] = tokenMask.shape;
    const tiled = this.roles.derive(
      tokenMask,
      padding,
      `tiled-x${n}`,
      () => {
        const mask = tf.tile(tokenMask, [n, 1]) as tf.Tensor2D;
        const pad = padding ? (tf.tile(padding, [n, 1]) as tf.Tensor2D) : null;
        return { mask, pad, roles: tokenRoles(mask, pad) };
      },
      (t) => [t.mask, ...(t.pad ? [t.pad] : []), ...Object.values(t.roles)],
    );
    const stacked = tf.concat(records.map((x) => x.r![key]!), 0);
    const perSample = this.measure.compute(stacked, tiled.mask, tiled.pad, tiled.roles); // [n * B]
    const perLayer = tf.unstack(tf.mean(tf.reshape(perSample, [n, B]), 1)) as tf.Scalar[];
    records.forEach((x, i) => into.set(x.layer, perLayer[i]));
  }

  /** The current step's record for a layer of the mixing module that has mask tokens; null otherwise. */
  private recordFor(info: AttentionInfo, ctx: StepContext): LayerRecord | null {
    const step = this.current;
    if (!step || !ctx.training || info.module !== this.module || !info.tokenMask) return null;
    step.numLayers = info.numLayers;
    let record = step.layers.get(info.layer);
    if (!record) {
      record = { tokenMask: info.tokenMask, padding: info.tokenPadding };
      step.layers.set(info.layer, record);
    }
    return record;
  }

  /** Whether a layer's Het enters a loss term (early layers for L_e, later ones for L_r). */
  private hetNeeded(layer: number): boolean {
    const early = layer < this.options.earlyLayers;
    return (this.options.lambdaE > 0 && early) || (this.options.lambdaR > 0 && !early);
  }

  private needsProbs(layer: number, numLayers: number): boolean {
    return (
      this.current!.diagnostics ||
      (this.options.lambdaSpa > 0 && !this.hardAt(layer, numLayers)) ||
      (this.measure.requires === 'probs' && this.hetNeeded(layer))
    );
  }

  /** Whether hard recalibration makes L_spa exactly 0 in this layer. */
  private hardAt(layer: number, numLayers: number): boolean {
    const r = this.options.recalibration;
    return r.enabled && r.beta === 'inf' && layerInRange(layer, numLayers, r.layers);
  }

  private isDiagnosticStep(step: number): boolean {
    const d = this.options.diagnostics;
    if (!d.enabled || !this.host || !this.host.wantsMetrics(step)) return false;
    // Counted like the trainer's logEvery: the step that completes each block of `every` steps.
    return d.every === undefined || (step + 1) % d.every === 0;
  }

  /** Reports per-layer diagnostics. They never enter the loss, so they cannot change gradients. */
  private reportDiagnostics(step: StepRecord, het: (layer: number) => tf.Scalar | null): void {
    const host = this.host!;
    for (let layer = 0; layer < step.numLayers; layer++) {
      const r = step.layers.get(layer);
      if (!r) continue;
      const names = diagnosticNames(layer);
      const h = het(layer);
      // A clone, so the trainer disposing the reported tensor never touches one in the loss graph.
      if (h) host.report(names.het, h.clone());
      if (r.probs) {
        const s = attentionStatistics(r.probs, r.tokenMask, r.padding, this.roles.get(r.tokenMask, r.padding));
        host.report(names.vis2mask, s.vis2mask);
        host.report(names.entropyMasked, s.entropyMasked);
        host.report(names.entropyVisible, s.entropyVisible);
      }
    }
  }

  private updateDiagnosticMeans(extra: Record<string, number>): void {
    for (const [name, value] of Object.entries(extra)) {
      if (!name.startsWith('mto/') || !Number.isFinite(value)) continue;
      const prev = this.diagnosticMeans.get(name);
      const mean = prev ? DIAGNOSTIC_MEAN_DECAY * prev.mean + (1 - DIAGNOSTIC_MEAN_DECAY) * value : value;
      this.diagnosticMeans.set(name, { mean, count: (prev?.count ?? 0) + 1 });
    }
  }

  private noteOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.host?.logger.info(message);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.host?.logger.warn(message);
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Validates and defaults MTO options; a mistake is a ConfigError naming the field. */
export function parseMtoOptions(options: MtoOptionsInput = {}): MtoOptions {
  return parsePartOptions(mtoOptionsSchema, options, 'plugins.mto');
}

/** The functional form, Composer-style: creates the plugin, applies it to the host and returns it. */
export function applyMto(host: PluginHost, options: MtoOptionsInput = {}): MtoPlugin {
  const plugin = new MtoPlugin(options);
  plugin.apply(host);
  return plugin;
}
