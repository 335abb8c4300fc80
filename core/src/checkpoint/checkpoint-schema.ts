import { z } from 'zod';
import { formatZodIssues } from '../config/zod-format.js';

/**
 * The shape of a checkpoint's model.json, checked in full before any of it is used: a tampered
 * or damaged file is refused with the field it got wrong, never half-applied.
 */

/** Elements one weight may hold (2^31 - 1: tfjs' own limit for a tensor's size). */
export const MAX_WEIGHT_ELEMENTS = 2 ** 31 - 1;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A weight file named in the manifest: a plain file name beside model.json (no folders, no '..'). */
const weightPath = z.string().regex(/^(?!\.\.?$)[^/\\\0]{1,255}$/, { error: 'expected a file name beside model.json' });

const manifestEntrySchema = z.strictObject({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0).max(MAX_WEIGHT_ELEMENTS)).max(8),
  // saveCheckpoint writes float32 alone; anything else is not ours to decode.
  dtype: z.literal('float32'),
});

const manifestGroupSchema = z.strictObject({
  paths: z.array(weightPath).min(1),
  weights: z.array(manifestEntrySchema),
});

const word = z.number().int().min(-(2 ** 31)).max(2 ** 32 - 1);

const rngSnapshotSchema = z.strictObject({
  // 32-bit words, stored signed or unsigned (setState reads them with >>> 0).
  state: z.tuple([word, word, word, word]),
  spareNormal: z.number().nullable(),
});

const objectOf = z.record(z.string(), z.unknown());

export const trainingStateSchema = z
  .object({
    step: count,
    epoch: count,
    batchInEpoch: count,
    rng: z.object({ masking: rngSnapshotSchema.optional() }).catchall(rngSnapshotSchema),
    optimizer: objectOf,
    plugins: objectOf,
    config: objectOf,
    extra: z
      .object({
        epochSums: z.record(z.string(), z.number()).optional(),
        epochCount: count.optional(),
        parts: objectOf.optional(),
      })
      .optional(),
  })
  // Every epoch takes at least one step, and a position inside an epoch is a step too.
  .refine((s) => s.epoch <= s.step, { error: 'epoch is larger than step (every epoch takes at least one step)', path: ['epoch'] })
  .refine((s) => s.batchInEpoch <= s.step, { error: 'batchInEpoch is larger than step', path: ['batchInEpoch'] });

export const checkpointJsonSchema = z.object({
  format: z.literal('mtojs-checkpoint'),
  formatVersion: z.literal(1, { error: 'expected 1 (the one format version this build reads)' }),
  modelTopology: z.null(),
  weightsManifest: z.array(manifestGroupSchema).min(1),
  trainingState: trainingStateSchema,
});

export type CheckpointManifestGroup = z.infer<typeof manifestGroupSchema>;

/**
 * Checks a parsed model.json; returns null when it is a valid checkpoint, else the first
 * problem as one line (`trainingState.step: ...`). Weight names must be unique too.
 */
export function checkpointJsonProblem(json: unknown): string | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return `(top level): expected an object (found ${json === null ? 'null' : Array.isArray(json) ? 'a list' : typeof json})`;
  const r = checkpointJsonSchema.safeParse(json);
  if (!r.success) {
    const lines = formatZodIssues(r.error, '', json).split('\n');
    return lines[0]! + (lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? 's' : ''})` : '');
  }
  const seen = new Set<string>();
  for (const [g, group] of r.data.weightsManifest.entries()) {
    for (const [i, w] of group.weights.entries()) {
      if (seen.has(w.name)) return `weightsManifest.${g}.weights.${i}.name: '${w.name}' is listed twice`;
      seen.add(w.name);
      if (weightElements(w.shape) > MAX_WEIGHT_ELEMENTS) return `weightsManifest.${g}.weights.${i}.shape: [${w.shape}] holds more than ${MAX_WEIGHT_ELEMENTS} values`;
    }
  }
  return null;
}

/** Elements of a shape; saturates at Infinity rather than losing precision. */
export function weightElements(shape: number[]): number {
  let n = 1;
  for (const d of shape) n = n * d > Number.MAX_SAFE_INTEGER ? Infinity : n * d;
  return n;
}
