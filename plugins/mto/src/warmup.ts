/**
 * Linear warm-up factor of the loss weights at a (0-based) global step: (step + 1) / warmupSteps,
 * capped at 1, so the first step already contributes and the full weight is reached at step
 * warmupSteps - 1. No warm-up (0) is always 1.
 */
export function warmupFactor(step: number, warmupSteps: number): number {
  if (warmupSteps <= 0) return 1;
  return Math.min(1, (Math.max(0, step) + 1) / warmupSteps);
}
