/**
 * Tampered checkpoints: edits of a good checkpoint's model.json that a resume must refuse with
 * one line naming the file and the field. `apply` edits the parsed JSON in place (or returns a
 * replacement: a value, or a string written as the file's text).
 */
export interface CheckpointTamper {
  name: string;
  /** What the error line must mention. */
  field: RegExp;
  apply(json: any): unknown;
}

const w0 = (j: any) => j.weightsManifest[0].weights[0];

/** The cases found by hand (issue 14), each with the field it breaks. */
export const NAMED_TAMPERS: CheckpointTamper[] = [
  { name: 'negative shape', field: /weights\.0\.shape/, apply: (j) => void (w0(j).shape = [-8, -16]) },
  { name: 'fractional shape', field: /weights\.0\.shape/, apply: (j) => void (w0(j).shape = [8.5, 16]) },
  { name: 'shape missing', field: /weights\.0\.shape/, apply: (j) => void delete w0(j).shape },
  { name: 'shape not a list', field: /weights\.0\.shape/, apply: (j) => void (w0(j).shape = '8x16') },
  { name: 'huge shape', field: /weights\.0\.shape/, apply: (j) => void (w0(j).shape = [1e9, 1e9]) },
  { name: 'dtype int32', field: /weights\.0\.dtype/, apply: (j) => void (w0(j).dtype = 'int32') },
  { name: 'dtype string', field: /weights\.0\.dtype/, apply: (j) => void (w0(j).dtype = 'string') },
  { name: 'dtype float128', field: /weights\.0\.dtype/, apply: (j) => void (w0(j).dtype = 'float128') },
  { name: 'manifest without paths', field: /weightsManifest\.0\.paths/, apply: (j) => void delete j.weightsManifest[0].paths },
  { name: 'manifest without weights', field: /weightsManifest\.0\.weights/, apply: (j) => void delete j.weightsManifest[0].weights },
  { name: 'manifest path outside the folder', field: /paths\.0/, apply: (j) => void (j.weightsManifest[0].paths = ['../../../etc/passwd']) },
  { name: 'manifest empty', field: /weightsManifest/, apply: (j) => void (j.weightsManifest = []) },
  { name: 'weight listed twice', field: /listed twice/, apply: (j) => void j.weightsManifest[0].weights.push({ ...w0(j) }) },
  { name: 'model.json is null', field: /top level/, apply: () => null },
  { name: 'model.json is a list', field: /top level/, apply: () => [] },
  { name: 'model.json is not JSON', field: /not a readable checkpoint/, apply: () => '{"format": "mtojs-checkpoint", ' },
  { name: 'trainingState missing', field: /trainingState/, apply: (j) => void delete j.trainingState },
  { name: 'rng state of the wrong type', field: /trainingState\.rng\.masking/, apply: (j) => void (j.trainingState.rng.masking = 'seed') },
  { name: 'rng state out of range', field: /trainingState\.rng\.masking\.state/, apply: (j) => void (j.trainingState.rng.masking.state = [1, 2, 3, 2 ** 40]) },
  { name: 'optimizer null', field: /trainingState\.optimizer/, apply: (j) => void (j.trainingState.optimizer = null) },
  { name: 'optimizer step count garbage', field: /trainingState\.optimizer.*\bt\b/, apply: (j) => void (j.trainingState.optimizer.t = 'abc') },
  { name: 'batchInEpoch -3', field: /trainingState\.batchInEpoch/, apply: (j) => void (j.trainingState.batchInEpoch = -3) },
  { name: 'batchInEpoch past the epoch', field: /trainingState\.batchInEpoch/, apply: (j) => void Object.assign(j.trainingState, { step: 1000, batchInEpoch: 999 }) },
  { name: 'formatVersion 99', field: /formatVersion/, apply: (j) => void (j.formatVersion = 99) },
  { name: 'step -5', field: /trainingState\.step/, apply: (j) => void (j.trainingState.step = -5) },
  { name: 'epoch 1e9', field: /trainingState\.epoch/, apply: (j) => void (j.trainingState.epoch = 1e9) },
  { name: 'step "abc"', field: /trainingState\.step/, apply: (j) => void (j.trainingState.step = 'abc') },
  { name: 'plugins null', field: /trainingState\.plugins/, apply: (j) => void (j.trainingState.plugins = null) },
  { name: 'garbage extra.parts', field: /trainingState\.extra\.parts/, apply: (j) => void (j.trainingState.extra.parts = 'garbage') },
  { name: 'epochSums not numbers', field: /trainingState\.extra\.epochSums/, apply: (j) => void (j.trainingState.extra = { epochSums: { loss: 'x' } }) },
  { name: 'format of another tool', field: /not an mtojs checkpoint/, apply: (j) => void (j.format = 'keras') },
  { name: 'config missing', field: /trainingState\.config/, apply: (j) => void delete j.trainingState.config },
];

/** Values no field of a checkpoint's training state accepts where a count, object or snapshot belongs. */
const JUNK: unknown[] = [null, -1, 1.5, 'x', [], true, 1e300, -0.5, { a: 1 }, '', [1, 2]];

/** Fields of trainingState with the junk values each refuses (a count takes no object, an object no number). */
const STATE_FIELDS: { path: string[]; refuses: (v: unknown) => boolean }[] = [
  { path: ['step'], refuses: (v) => !(Number.isSafeInteger(v) && (v as number) >= 0) },
  { path: ['epoch'], refuses: (v) => !(Number.isSafeInteger(v) && (v as number) >= 0) },
  { path: ['batchInEpoch'], refuses: (v) => !(Number.isSafeInteger(v) && (v as number) >= 0) },
  { path: ['optimizer'], refuses: (v) => v === null || typeof v !== 'object' || Array.isArray(v) },
  { path: ['plugins'], refuses: (v) => v === null || typeof v !== 'object' || Array.isArray(v) },
  { path: ['rng'], refuses: (v) => v === null || typeof v !== 'object' || Array.isArray(v) },
  { path: ['rng', 'masking'], refuses: () => true },
  { path: ['rng', 'masking', 'state'], refuses: () => true },
  { path: ['rng', 'masking', 'spareNormal'], refuses: (v) => v !== null && typeof v !== 'number' },
  { path: ['config'], refuses: (v) => v === null || typeof v !== 'object' || Array.isArray(v) },
  { path: ['extra', 'epochCount'], refuses: (v) => !(Number.isSafeInteger(v) && (v as number) >= 0) },
  { path: ['extra', 'parts'], refuses: (v) => v === null || typeof v !== 'object' || Array.isArray(v) },
];

/** Generated tampers: each field of the training state set to each junk value it refuses. */
export function generatedTampers(): CheckpointTamper[] {
  const out: CheckpointTamper[] = [];
  for (const f of STATE_FIELDS) {
    for (const v of JUNK) {
      if (!f.refuses(v)) continue;
      const at = f.path.join('\\.');
      out.push({
        name: `trainingState.${f.path.join('.')} = ${JSON.stringify(v)}`,
        field: new RegExp(`trainingState\\.${at.split('\\.')[0]}`),
        apply: (j) => {
          let o = j.trainingState;
          for (const k of f.path.slice(0, -1)) o = o[k] ??= {};
          o[f.path[f.path.length - 1]!] = v;
        },
      });
    }
  }
  for (const v of [null, -1, 1.5, 'x', [-1], [2.5, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9], { a: 1 }]) {
    out.push({ name: `weights.0.shape = ${JSON.stringify(v)}`, field: /weights\.0\.shape/, apply: (j) => void (w0(j).shape = v) });
  }
  for (const v of [null, 0, 'float16', 'bool', 'complex64', '']) {
    out.push({ name: `weights.0.dtype = ${JSON.stringify(v)}`, field: /weights\.0\.dtype/, apply: (j) => void (w0(j).dtype = v) });
  }
  for (const v of [null, 'weights.bin', [], [''], ['.'], ['..'], ['a/b'], [7]]) {
    out.push({ name: `paths = ${JSON.stringify(v)}`, field: /weightsManifest\.0\.paths/, apply: (j) => void (j.weightsManifest[0].paths = v) });
  }
  return out;
}

export const CHECKPOINT_TAMPERS: CheckpointTamper[] = [...NAMED_TAMPERS, ...generatedTampers()];
