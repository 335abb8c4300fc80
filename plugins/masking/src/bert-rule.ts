import { z } from 'zod';
import { ConfigError, type MaskRequest, type MaskSample, type Rng, type TokenLayout } from '@mtojs/core';
import { emptyMaskSample } from './mask-sample.js';

/**
 * BERT's corruption rule (Devlin et al., 2019), shared by the text strategies: of the selected
 * tokens, `maskRate` get the [MASK] token, `randomRate` a random token, `keepRate` stay as they
 * are, and all of those are predicted. The three rates must sum to at most 1; the remainder
 * (1 - sum) of the selected tokens is left out: unchanged and not predicted.
 */
export const bertRuleShape = {
  /** Share of the selected tokens fed the mask token. BERT: 0.8. */
  maskRate: z.number().min(0).max(1).default(0.8),
  /** Share of the selected tokens fed a random token. BERT: 0.1. */
  randomRate: z.number().min(0).max(1).default(0.1),
  /** Share of the selected tokens left unchanged (still predicted). BERT: 0.1. */
  keepRate: z.number().min(0).max(1).default(0.1),
};

export interface BertRule {
  maskRate: number;
  randomRate: number;
  keepRate: number;
}

/** Zod refinement: the three rates sum to at most 1 (and select something to mask). */
export function checkBertRule(o: BertRule, ctx: z.RefinementCtx): void {
  const sum = o.maskRate + o.randomRate + o.keepRate;
  if (sum > 1 + 1e-9) {
    ctx.addIssue({ code: 'custom', path: ['keepRate'], message: `maskRate + randomRate + keepRate = ${o.maskRate} + ${o.randomRate} + ${o.keepRate} = ${+sum.toFixed(6)}, which is more than 1; lower them` });
  }
  if (sum === 0) ctx.addIssue({ code: 'custom', path: ['maskRate'], message: 'maskRate + randomRate + keepRate is 0, so nothing would be predicted; raise one of them' });
}

/**
 * Applies the rule to the `selected` flags [B * N] (already honouring protected tokens): each
 * selected token independently draws its fate. Random tokens are drawn from the batch's own
 * eligible (non-protected) tokens, i.e. from the corpus' unigram distribution, so a special
 * token or padding is never fed as a random token. Without `request.tokens` (continuous
 * layouts) randomRate must be 0.
 */
export function applyBertRule(selected: Uint8Array, request: MaskRequest, rule: BertRule, rng: Rng): MaskSample {
  const { batchSize } = request;
  const N = request.layout.numTokens;
  const out = emptyMaskSample(batchSize, N);
  const target = new Uint8Array(batchSize * N);
  const replaceIds = new Int32Array(batchSize * N).fill(-1);
  const { tokens } = request;
  if (rule.randomRate > 0 && !tokens) throw new RangeError('masking: randomRate > 0 needs token ids (MaskRequest.tokens), which only discrete-token adapters give');
  const pool = tokens ? eligibleIds(tokens, request.protected) : new Int32Array(0);
  const toMask = rule.maskRate;
  const toRandom = toMask + rule.randomRate;
  const toKeep = toRandom + rule.keepRate;
  for (let b = 0; b < batchSize; b++) {
    let masked = 0;
    for (let i = b * N; i < (b + 1) * N; i++) {
      if (!selected[i]) continue;
      const u = rng.random();
      if (u < toMask) {
        out.mask[i] = 1;
        target[i] = 1;
        masked++;
      } else if (u < toRandom) {
        target[i] = 1;
        if (pool.length > 0) replaceIds[i] = pool[rng.int(pool.length)];
      } else if (u < toKeep) {
        target[i] = 1;
      }
    }
    out.maskedPerRow[b] = masked;
  }
  return { ...out, target, replaceIds };
}

/** The ids of the non-protected tokens, the pool random replacements are drawn from. */
function eligibleIds(tokens: Int32Array, isProtected: Uint8Array | undefined): Int32Array {
  if (!isProtected) return tokens;
  let n = 0;
  for (let i = 0; i < tokens.length; i++) if (!isProtected[i]) n++;
  const ids = new Int32Array(n);
  n = 0;
  for (let i = 0; i < tokens.length; i++) if (!isProtected[i]) ids[n++] = tokens[i];
  return ids;
}

/** Checks the optional discrete fields of a request have one entry per token. */
export function checkDiscreteRequest(request: MaskRequest): void {
  const total = request.batchSize * request.layout.numTokens;
  if (request.tokens && request.tokens.length !== total) throw new RangeError(`mask request: tokens has ${request.tokens.length} ids, expected ${total}`);
  if (request.wordStarts && request.wordStarts.length !== total) throw new RangeError(`mask request: wordStarts has ${request.wordStarts.length} flags, expected ${total}`);
}

/**
 * BERT-style strategies put [MASK] and random token ids in place of the selected tokens: they
 * need an adapter whose tokens are ids (text). Checked in setup, before a run directory exists.
 */
export function checkDiscreteLayout(strategy: string, layout: TokenLayout): void {
  if (!layout.discrete) {
    throw new ConfigError(
      `masking.name: '${strategy}' replaces token ids, so it needs an adapter with discrete tokens (text); this adapter gives continuous tokens of ${layout.tokenDim} values (use random, block or grid masking)`,
    );
  }
}
