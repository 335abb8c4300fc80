import { z } from 'zod';
import { ConfigError } from '@mtojs/core';

/**
 * The fraction of tokens (or blocks) to mask, strictly between 0 and 1: masking nothing
 * leaves no loss to train on, masking everything leaves nothing to predict from.
 */
export function maskRatioSchema(defaultRatio: number) {
  return z.number().gt(0).lt(1).default(defaultRatio);
}

/** How many of `total` units a ratio masks: round(ratio * total). */
export function maskedCount(ratio: number, total: number): number {
  return Math.round(ratio * total);
}

/**
 * Rejects a ratio that, on this layout, masks none or all of the units: either would silently
 * train nothing (or break an MAE encoder that needs at least one visible token).
 */
export function checkMaskedCount(ratio: number, total: number, unit: string): void {
  const count = maskedCount(ratio, total);
  if (count === 0) throw new ConfigError(`masking.ratio: ${ratio} masks none of the ${total} ${unit}; raise it`);
  if (count === total) throw new ConfigError(`masking.ratio: ${ratio} masks all ${total} ${unit}, leaving none visible; lower it`);
}
