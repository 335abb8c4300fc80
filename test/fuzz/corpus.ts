/**
 * The hostile-input corpus: configs and overrides, data files and tampered checkpoints, each a
 * `mto` command line prepared in a fresh folder, with the exit code it must end with. The cases
 * of issue 14 are named; the rest are generated (every config field set to every junk value,
 * every header field of each data format broken), deterministically.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import YAML from 'yaml';
import { PNG } from 'pngjs';
import { CHECKPOINT_TAMPERS } from './tampers.js';

/**
 * 0: must succeed; 2: a mistake in what was given (a config value, a flag, a data file, a
 * checkpoint, a run directory); 1: a failure while running that is not the input's fault;
 * 'either': 0 or 2 (a value that may be fine or a mistake), never 1, never a crash.
 */
export type Expected = 0 | 1 | 2 | 'either';

export interface FuzzCase {
  name: string;
  group: 'config' | 'override' | 'data' | 'checkpoint' | 'cli';
  expect: Expected;
  /** Writes the case's inputs into `dir` (its working folder) and returns the `mto` arguments. */
  prepare(dir: string, shared: SharedInputs): string[];
}

/** Inputs built once per fuzz run: a finished run whose checkpoint the tampers start from. */
export interface SharedInputs {
  /** A finished run of BASE_IMAGE (one checkpoint). */
  goodRun: string;
}

const TRAIN = { epochs: 1, batchSize: 16, maxSteps: 1, progress: 'none', logEvery: 1 };

/** A small image run: 48 MNIST digits, a one-block MAE, one step. */
export const BASE_IMAGE = {
  name: 'fz',
  seed: 0,
  backend: 'cpu',
  data: { name: 'mnist', trainSize: 48, testSize: 16 },
  adapter: { name: 'image', patchSize: 7 },
  masking: { name: 'random', ratio: 0.75 },
  model: { name: 'mae', width: 16, depth: 1, heads: 2, decoderWidth: 8, decoderDepth: 1, decoderHeads: 2 },
  optimizer: { name: 'adamw', lr: 0.001 },
  schedule: { name: 'warmup-cosine', warmupEpochs: 0 },
  trainer: TRAIN,
  // Cheap when a case turns it on.
  eval: { enabled: false, probeSteps: 20, knnK: 3, baselines: false },
};

const TEXT_LINES = ['the cat sat on the mat', 'the dog ran in the park today', 'a bird flew over the house', 'the sun is warm and bright', 'we read a book by the fire'];

/** A small text run on a 40-line file. */
export const BASE_TEXT = {
  name: 'fzt',
  seed: 0,
  backend: 'cpu',
  data: { name: 'text-file', path: 'corpus.txt', seqLen: 16, vocabSize: 64, testFraction: 0.2 },
  adapter: { name: 'text' },
  masking: { name: 'bert' },
  model: { name: 'simmim', width: 16, depth: 1, heads: 2 },
  trainer: { ...TRAIN, batchSize: 8 },
  eval: { enabled: false },
};

/** A small audio run on a folder of generated WAV files. */
export const BASE_AUDIO = {
  name: 'fza',
  seed: 0,
  backend: 'cpu',
  imports: ['@mtojs/audio'],
  data: { name: 'wav-folder', root: 'wavs', sampleRate: 8000, maxSeconds: 0.25 },
  adapter: { name: 'audio', numMels: 16, windowMs: 32, hopMs: 16, frames: 16, patchFreq: 4, patchTime: 4 },
  masking: { name: 'random', ratio: 0.75 },
  model: { name: 'mae', width: 16, depth: 1, heads: 2, decoderWidth: 8, decoderDepth: 1, decoderHeads: 2 },
  trainer: { ...TRAIN, batchSize: 4 },
  eval: { enabled: false },
};

function writeJson(dir: string, name: string, value: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(value, null, 1));
  return name;
}

function writeText(dir: string, lines = 40): void {
  writeFileSync(join(dir, 'corpus.txt'), Array.from({ length: lines }, (_, i) => TEXT_LINES[i % TEXT_LINES.length]).join('\n') + '\n');
}

/** A config object with `path` set to `value` (a copy). */
function withField(base: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(base) as Record<string, any>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] = o[k] && typeof o[k] === 'object' ? o[k] : {};
  o[path[path.length - 1]!] = value;
  return copy;
}

/** A config case: `config` written as JSON, plus `args`. */
function configCase(name: string, expect: Expected, config: Record<string, unknown>, args: string[] = [], setup?: (dir: string) => void): FuzzCase {
  return {
    name,
    group: 'config',
    expect,
    prepare: (dir) => {
      setup?.(dir);
      if (config.data && (config.data as { name?: string }).name === 'text-file') writeText(dir);
      if ((config.data as { name?: string })?.name === 'wav-folder') writeWavFolder(dir);
      return ['train', '--config', writeJson(dir, 'config.json', config), '--out', 'run', ...args];
    },
  };
}

function overrideCase(name: string, expect: Expected, sets: string[], base: Record<string, unknown> = BASE_IMAGE, extra: string[] = ['--out', 'run']): FuzzCase {
  return {
    name,
    group: 'override',
    expect,
    prepare: (dir) => {
      if ((base.data as { name?: string }).name === 'text-file') writeText(dir);
      return ['train', '--config', writeJson(dir, 'config.json', base), ...sets.flatMap((s) => ['--set', s]), ...extra];
    },
  };
}

function rawConfigCase(name: string, expect: Expected, file: string, text: string | Buffer): FuzzCase {
  return { name, group: 'config', expect, prepare: (dir) => (writeFileSync(join(dir, file), text), ['train', '--config', file, '--out', 'run']) };
}

// ---------------------------------------------------------------------------------------------
// Configs and overrides

const NAMED_CONFIG_CASES: FuzzCase[] = [
  overrideCase('mlpRatio 1e30', 2, ['model.mlpRatio=1e30']),
  overrideCase('width 10000000', 2, ['model.width=10000000']),
  overrideCase('mlpRatio 0.01 (hidden width 0)', 2, ['model.mlpRatio=0.01']),
  overrideCase('depth 100000', 2, ['model.depth=100000']),
  overrideCase('heads 1e6', 2, ['model.heads=1000000']),
  overrideCase('augment maxShift 1e9', 2, ['adapter.augment={enabled: true, maxShift: 1000000000}']),
  overrideCase('bert masking with the image adapter', 2, ['masking.name=bert']),
  overrideCase('name of 5000 characters', 2, [`name=${'n'.repeat(5000)}`], BASE_IMAGE, []),
  overrideCase('name with NUL', 2, ['name=a\u0000b'], BASE_IMAGE, []),
  overrideCase('name ../../../../elsewhere/x', 2, ['name=../../../../elsewhere/x'], BASE_IMAGE, []),
  overrideCase('name a/b', 2, ['name=a/b'], BASE_IMAGE, []),
  overrideCase('name ..', 2, ['name=..'], BASE_IMAGE, []),
  overrideCase('name with a newline', 2, ['name=a\nb'], BASE_IMAGE, []),
  overrideCase('plugins.4294967294', 2, ['plugins.4294967294={name: mto}']),
  overrideCase('__proto__.toString', 2, ['__proto__.toString=1']),
  overrideCase('__proto__.polluted', 2, ['__proto__.polluted=1']),
  overrideCase('constructor.prototype', 2, ['trainer.constructor.prototype.x=1']),
  overrideCase('beta1 = 1', 2, ['optimizer.beta1=1']),
  overrideCase('beta2 = 1', 2, ['optimizer.beta2=1']),
  overrideCase('epsilon 1e30', 2, ['optimizer.epsilon=1e30']),
  overrideCase('gradClipNorm 1e30', 2, ['trainer.gradClipNorm=1e30']),
  overrideCase('warmupEpochs 1e30', 2, ['schedule.warmupEpochs=1e30']),
  overrideCase('batch larger than the train split', 2, ['trainer.batchSize=1000']),
  overrideCase('trainSize 0', 2, ['data.trainSize=0']),
  overrideCase('--out /proc/x', 2, [], BASE_IMAGE, ['--out', '/proc/mtojs-fuzz/x']),
  overrideCase('--out an existing file', 2, [], BASE_IMAGE, ['--out', 'config.json']),
  rawConfigCase('JSON duplicate key', 2, 'dup.json', JSON.stringify(BASE_IMAGE).replace('"seed":0', '"seed":0,"seed":1')),
  rawConfigCase('YAML !!js/function', 2, 'fn.yaml', YAML.stringify(BASE_IMAGE) + 'extra: !!js/function "function () { return 1 }"\n'),
  rawConfigCase('YAML unknown tag', 2, 'tag.yaml', YAML.stringify(BASE_IMAGE).replace('name: fz', 'name: !frobnicate fz')),
  rawConfigCase('%YAML 9.9', 2, 'ver.yaml', '%YAML 9.9\n---\n' + YAML.stringify(BASE_IMAGE)),
  rawConfigCase('YAML with 40000 keys', 2, 'keys.yaml', YAML.stringify(BASE_IMAGE) + 'junk:\n' + Array.from({ length: 40000 }, (_, i) => `  k${i}: ${i}\n`).join('')),
  rawConfigCase('YAML billion laughs', 2, 'laughs.yaml', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'),
  rawConfigCase('config not UTF-8', 2, 'bin.yaml', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81])),
  rawConfigCase('config empty', 2, 'empty.yaml', ''),
  rawConfigCase('config a list', 2, 'list.json', '[1, 2, 3]'),
  rawConfigCase('config deeply nested', 2, 'deep.json', '['.repeat(100000) + ']'.repeat(100000)),
  configCase('eval on, fine-tune labels > train', 2, withField(BASE_IMAGE, ['eval'], { enabled: true, finetune: { enabled: true, labels: 1000 } })),
  configCase('the good image config', 0, BASE_IMAGE),
  configCase('the good text config', 0, BASE_TEXT),
  configCase('the good audio config', 0, BASE_AUDIO),
];

/** Config fields the generator breaks, by base config. */
const FIELDS: string[][] = [
  ['name'], ['seed'], ['backend'], ['imports'], ['data'], ['data', 'name'], ['data', 'trainSize'], ['data', 'testSize'], ['data', 'valSize'],
  ['adapter'], ['adapter', 'name'], ['adapter', 'patchSize'], ['adapter', 'normPix'], ['adapter', 'augment'],
  ['masking', 'name'], ['masking', 'ratio'], ['model', 'name'], ['model', 'width'], ['model', 'depth'], ['model', 'heads'], ['model', 'mlpRatio'],
  ['model', 'decoderWidth'], ['model', 'decoderDepth'], ['model', 'decoderHeads'], ['model', 'cls'], ['model', 'pooling'],
  ['optimizer', 'name'], ['optimizer', 'lr'], ['optimizer', 'weightDecay'], ['optimizer', 'beta1'], ['optimizer', 'beta2'], ['optimizer', 'epsilon'],
  ['schedule', 'name'], ['schedule', 'warmupEpochs'], ['plugins'], ['trainer', 'epochs'], ['trainer', 'batchSize'], ['trainer', 'maxSteps'],
  ['trainer', 'gradClipNorm'], ['trainer', 'logEvery'], ['trainer', 'keepCheckpoints'], ['trainer', 'checkpointEverySteps'], ['trainer', 'dropLast'],
  ['eval', 'enabled'], ['eval', 'knnK'],
];

/** Junk values: wrong types, extremes, empty, special strings. */
const JUNK: unknown[] = [-1, 0, 1e30, -1e30, 0.5, 4294967294, 2 ** 53, 1e-30, 'abc', '', '../x', null, [], {}, true, [1, 2]];

/** As `--set KEY=VALUE` text (YAML values). */
function setText(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

function generatedConfigCases(): FuzzCase[] {
  const out: FuzzCase[] = [];
  let i = 0;
  for (const f of FIELDS) {
    for (const v of JUNK) {
      const key = f.join('.');
      // Alternate between a config file and --set, so both paths see every value.
      if (i++ % 2 === 0) out.push(configCase(`config ${key} = ${setText(v)}`, 'either', withField(BASE_IMAGE, f, v)));
      else out.push(overrideCase(`--set ${key}=${setText(v)}`, 'either', [`${key}=${setText(v)}`]));
    }
  }
  // Text and audio bases get the fields they have.
  for (const f of [['data', 'seqLen'], ['data', 'vocabSize'], ['data', 'testFraction'], ['data', 'path'], ['data', 'format'], ['masking', 'selectRatio'], ['masking', 'maskRate']]) {
    for (const v of [-1, 0, 1e9, 0.5, 'abc', null, '/dev/zero', '/proc/self/mem']) out.push(configCase(`text ${f.join('.')} = ${setText(v)}`, 'either', withField(BASE_TEXT, f, v)));
  }
  for (const f of [['data', 'sampleRate'], ['data', 'maxSeconds'], ['adapter', 'numMels'], ['adapter', 'windowMs'], ['adapter', 'hopMs'], ['adapter', 'frames'], ['adapter', 'patchFreq']]) {
    for (const v of [-1, 0, 1e9, 0.5, 'abc', null, 3]) out.push(configCase(`audio ${f.join('.')} = ${setText(v)}`, 'either', withField(BASE_AUDIO, f, v)));
  }
  // Malformed --set lines.
  for (const s of ['=', 'trainer', 'trainer.=3', '.x=1', 'trainer..epochs=1', 'trainer.epochs', 'trainer.epochs=[', 'trainer.epochs={', 'plugins.-1={name: mto}', 'plugins.1e3={name: mto}', 'a.b.c.d.e.f.g.h.i.j.k=1', `x=${'['.repeat(5000)}`]) {
    out.push(overrideCase(`--set ${JSON.stringify(s)}`, 2, [s]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Data files

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose IHDR declares `width` x `height` but whose data is a few bytes: small file, huge image. */
export function pngHeaderOnly(width: number, height: number, opts: { depth?: number; colorType?: number; interlace?: number; idat?: Buffer } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width >>> 0, 0);
  ihdr.writeUInt32BE(height >>> 0, 4);
  ihdr[8] = opts.depth ?? 8;
  ihdr[9] = opts.colorType ?? 0;
  ihdr[12] = opts.interlace ?? 0;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, pngChunk('IHDR', ihdr), pngChunk('IDAT', opts.idat ?? deflateSync(Buffer.alloc(16))), pngChunk('IEND', Buffer.alloc(0))]);
}

export function goodPng(size = 8, seed = 0): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 37 + seed * 11) & 255;
  return PNG.sync.write(png);
}

/** An image folder of two classes, four 8x8 PNGs each; `replace` swaps in one file's bytes. */
function writeImageFolder(dir: string, replace?: Buffer, opts: { perClass?: number } = {}): void {
  for (const cls of ['a', 'b']) {
    mkdirSync(join(dir, 'imgs', cls), { recursive: true });
    for (let i = 0; i < (opts.perClass ?? 4); i++) writeFileSync(join(dir, 'imgs', cls, `${i}.png`), goodPng(8, i));
  }
  if (replace) writeFileSync(join(dir, 'imgs', 'a', '0.png'), replace);
}

const IMAGE_FOLDER_CONFIG = {
  ...BASE_IMAGE,
  data: { name: 'image-folder', root: 'imgs', split: { testFraction: 0.25 } },
  adapter: { name: 'image', patchSize: 4 },
  trainer: { ...TRAIN, batchSize: 2 },
};

function imageCase(name: string, expect: Expected, replace: Buffer | undefined, opts: { perClass?: number; config?: Record<string, unknown> } = {}): FuzzCase {
  return { name: `png: ${name}`, group: 'data', expect, prepare: (dir) => (writeImageFolder(dir, replace, opts), ['train', '--config', writeJson(dir, 'config.json', opts.config ?? IMAGE_FOLDER_CONFIG), '--out', 'run']) };
}

interface WavSpec {
  rate?: number;
  channels?: number;
  bits?: number;
  format?: number;
  samples?: ArrayLike<number>;
  /** Bytes the data chunk declares (default: the real size). */
  declared?: number;
  /** Cut the file to this many bytes. */
  cut?: number;
  noData?: boolean;
}

export function wav(spec: WavSpec = {}): Buffer {
  const rate = spec.rate ?? 8000;
  const channels = spec.channels ?? 1;
  const bits = spec.bits ?? 16;
  const format = spec.format ?? (bits === 32 && spec.samples instanceof Float32Array ? 3 : 1);
  const samples = spec.samples ?? Array.from({ length: 2000 }, (_, i) => Math.sin(i / 5) * 0.5);
  const bytesPer = Math.max(1, Math.ceil(bits / 8));
  const data = Buffer.alloc(samples.length * bytesPer);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i]!;
    if (format === 3 && bits === 32) data.writeFloatLE(x, i * 4);
    else if (format === 3 && bits === 64) data.writeDoubleLE(x, i * 8);
    else if (bits === 16) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32767))), i * 2);
    else if (bits === 8) data.writeUInt8(Math.max(0, Math.min(255, Math.round(x * 127 + 128))), i);
  }
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(format, 0);
  fmt.writeUInt16LE(channels, 2);
  fmt.writeUInt32LE(rate >>> 0, 4);
  fmt.writeUInt32LE((rate * channels * bytesPer) % 2 ** 32, 8);
  fmt.writeUInt16LE((channels * bytesPer) & 0xffff, 12);
  fmt.writeUInt16LE(bits, 14);
  const chunk = (id: string, body: Buffer, declared = body.length) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(declared >>> 0, 4);
    return Buffer.concat([h, body]);
  };
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), chunk('fmt ', fmt), ...(spec.noData ? [] : [chunk('data', data, spec.declared)])]);
  const file = chunk('RIFF', body);
  return spec.cut !== undefined ? file.subarray(0, spec.cut) : file;
}

function writeWavFolder(dir: string, replace?: Buffer): void {
  for (const cls of ['yes', 'no']) {
    mkdirSync(join(dir, 'wavs', cls), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(join(dir, 'wavs', cls, `${i}.wav`), wav({ samples: Array.from({ length: 2000 }, (_, t) => Math.sin((t * (i + 2)) / 7) * 0.4) }));
  }
  if (replace) writeFileSync(join(dir, 'wavs', 'yes', '0.wav'), replace);
}

function wavCase(name: string, expect: Expected, replace: Buffer): FuzzCase {
  return { name: `wav: ${name}`, group: 'data', expect, prepare: (dir) => (writeWavFolder(dir, replace), ['train', '--config', writeJson(dir, 'config.json', BASE_AUDIO), '--out', 'run']) };
}

function textCase(name: string, expect: Expected, write: (dir: string) => string, over: Record<string, unknown> = {}): FuzzCase {
  return {
    name: `text: ${name}`,
    group: 'data',
    expect,
    prepare: (dir) => {
      const path = write(dir);
      return ['train', '--config', writeJson(dir, 'config.json', { ...BASE_TEXT, data: { ...BASE_TEXT.data, path, ...over } }), '--out', 'run'];
    },
  };
}

export function idxHeader(type: number, dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d >>> 0, 4 + 4 * i));
  return h;
}

function idxCase(name: string, expect: Expected, images: () => Buffer, labels: () => Buffer = () => Buffer.concat([idxHeader(8, [16]), Buffer.from(Array.from({ length: 16 }, (_, i) => i % 2))])): FuzzCase {
  return {
    name: `idx: ${name}`,
    group: 'data',
    expect,
    prepare: (dir) => {
      writeFileSync(join(dir, 'images.idx'), images());
      writeFileSync(join(dir, 'labels.idx'), labels());
      const config = { ...BASE_IMAGE, data: { name: 'idx', trainImages: 'images.idx', trainLabels: 'labels.idx' }, adapter: { name: 'image', patchSize: 4 }, trainer: { ...TRAIN, batchSize: 4 } };
      return ['train', '--config', writeJson(dir, 'config.json', config), '--out', 'run'];
    },
  };
}

const goodIdxImages = () => Buffer.concat([idxHeader(8, [16, 8, 8]), Buffer.alloc(16 * 64, 7)]);

/** A gzip bomb: `mb` MiB of zeros in a few hundred KiB. */
export function gzipBomb(mb: number, header: Buffer): Buffer {
  return gzipSync(Buffer.concat([header, Buffer.alloc(mb * 1024 * 1024)]), { level: 9 });
}

function dataCases(): FuzzCase[] {
  const out: FuzzCase[] = [];
  // PNG
  out.push(imageCase('a good folder', 0, undefined));
  for (const [w, h] of [[30000, 30000], [100000, 100000], [1, 1e6], [1e6, 1], [65535, 65535], [2 ** 31 - 1, 1], [0, 8], [8, 0], [4294967295, 4294967295]]) {
    out.push(imageCase(`IHDR ${w}x${h}`, 2, pngHeaderOnly(w!, h!)));
  }
  for (const [depth, colorType] of [[16, 6], [1, 0], [3, 0], [8, 1], [8, 7], [16, 3], [2, 2]]) out.push(imageCase(`IHDR depth ${depth} colour type ${colorType}`, 'either', pngHeaderOnly(8, 8, { depth: depth!, colorType: colorType! })));
  out.push(imageCase('IHDR interlace 7', 2, pngHeaderOnly(8, 8, { interlace: 7 })));
  out.push(imageCase('IDAT a zlib bomb', 2, pngHeaderOnly(8, 8, { idat: deflateSync(Buffer.alloc(64 * 1024 * 1024)) })));
  const good = goodPng();
  for (const cut of [0, 4, 8, 16, 33, 40, good.length - 12, good.length - 1]) out.push(imageCase(`cut to ${cut} bytes`, 2, good.subarray(0, cut)));
  for (const at of [12, 16, 20, 29, 37, 41]) {
    const b = Buffer.from(good);
    b[at] = b[at]! ^ 0xff;
    out.push(imageCase(`byte ${at} flipped`, 'either', b));
  }
  out.push(imageCase('not a PNG (text)', 2, Buffer.from('hello, world\n')));
  out.push(imageCase('a 16x16 image among 8x8 ones', 2, goodPng(16)));
  out.push(imageCase('one image per class, evaluated', 2, undefined, { perClass: 1, config: { ...IMAGE_FOLDER_CONFIG, eval: { enabled: true, baselines: false } } }));
  out.push(imageCase('one image per class, not evaluated', 0, undefined, { perClass: 1 }));
  out.push({ name: 'png: an empty class folder', group: 'data', expect: 2, prepare: (dir) => (writeImageFolder(dir), mkdirSync(join(dir, 'imgs', 'c')), ['train', '--config', writeJson(dir, 'config.json', IMAGE_FOLDER_CONFIG), '--out', 'run']) });
  out.push({ name: 'png: root is a file', group: 'data', expect: 2, prepare: (dir) => (writeFileSync(join(dir, 'imgs'), 'x'), ['train', '--config', writeJson(dir, 'config.json', IMAGE_FOLDER_CONFIG), '--out', 'run']) });
  out.push({ name: 'png: a symlink loop', group: 'data', expect: 'either', prepare: (dir) => (writeImageFolder(dir), symlinkSync('loop', join(dir, 'imgs', 'a', 'loop')), ['train', '--config', writeJson(dir, 'config.json', IMAGE_FOLDER_CONFIG), '--out', 'run']) });
  // WAV
  out.push({ name: 'wav: a good folder', group: 'data', expect: 0, prepare: (dir) => (writeWavFolder(dir), ['train', '--config', writeJson(dir, 'config.json', BASE_AUDIO), '--out', 'run']) });
  out.push(wavCase('sample rate 4e9', 2, wav({ rate: 4e9 })));
  out.push(wavCase('sample rate 0', 2, wav({ rate: 0 })));
  out.push(wavCase('sample rate 1 with 24000 samples', 'either', wav({ rate: 1, samples: new Array(24000).fill(0.1) })));
  out.push(wavCase('sample rate 1 with 2e6 samples', 'either', wav({ rate: 1, samples: new Array(2e6).fill(0.1) })));
  out.push(wavCase('header says 4800 bytes, file has 100', 2, wav({ declared: 4800, samples: new Array(50).fill(0.1) })));
  out.push(wavCase('data chunk declares 4 GiB', 2, wav({ declared: 4294967295 })));
  for (const cut of [0, 4, 12, 20, 36, 44, 100]) out.push(wavCase(`cut to ${cut} bytes`, 2, wav().subarray(0, cut)));
  out.push(wavCase('no data chunk', 2, wav({ noData: true })));
  out.push(wavCase('NaN float samples', 2, wav({ bits: 32, format: 3, samples: Float32Array.from({ length: 2000 }, (_, i) => (i % 3 ? 0.1 : Number.NaN)) })));
  out.push(wavCase('Inf float samples', 2, wav({ bits: 32, format: 3, samples: Float32Array.from({ length: 2000 }, (_, i) => (i % 3 ? 0.1 : Infinity)) })));
  out.push(wavCase('1e30 float samples', 2, wav({ bits: 32, format: 3, samples: Float32Array.from({ length: 2000 }, () => 1e30) })));
  out.push(wavCase('float samples of 1.5 (clipped audio)', 'either', wav({ bits: 32, format: 3, samples: Float32Array.from({ length: 2000 }, () => 1.5) })));
  for (const channels of [0, 65535]) out.push(wavCase(`${channels} channels`, 2, wav({ channels })));
  for (const bits of [0, 7, 12, 65535]) out.push(wavCase(`${bits} bits per sample`, 2, wav({ bits })));
  out.push(wavCase('64 bits per sample, PCM tag', 'either', wav({ bits: 64 })));
  out.push(wavCase('format 2 (ADPCM)', 2, wav({ format: 2 })));
  out.push(wavCase('format 65534 (extensible, no extension)', 'either', wav({ format: 65534 })));
  out.push(wavCase('zero samples', 2, wav({ samples: [] })));
  out.push(wavCase('not a WAV (PNG bytes)', 2, goodPng()));
  out.push(wavCase('8-bit PCM', 0, wav({ bits: 8 })));
  // Text
  out.push(textCase('/dev/zero', 2, () => '/dev/zero'));
  out.push(textCase('/dev/urandom', 2, () => '/dev/urandom'));
  out.push(textCase('a folder', 2, (d) => (mkdirSync(join(d, 'folder')), 'folder')));
  out.push(textCase('missing', 2, () => 'missing.txt'));
  out.push(textCase('empty', 2, (d) => (writeFileSync(join(d, 'e.txt'), ''), 'e.txt')));
  out.push(textCase('one line', 2, (d) => (writeFileSync(join(d, 'one.txt'), 'just one line of text here\n'), 'one.txt')));
  out.push(textCase('only blank lines', 2, (d) => (writeFileSync(join(d, 'b.txt'), '\n\n\n\n   \n\t\n'), 'b.txt')));
  out.push(textCase('one 20 MB line', 2, (d) => (writeFileSync(join(d, 'long.txt'), 'word '.repeat(4_000_000) + '\nshort line\n'.repeat(10)), 'long.txt')));
  out.push(textCase('binary garbage', 'either', (d) => (writeFileSync(join(d, 'g.txt'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131 + 7) & 255))), 'g.txt')));
  out.push(textCase('invalid UTF-8', 'either', (d) => (writeFileSync(join(d, 'u.txt'), Buffer.concat(Array.from({ length: 40 }, () => Buffer.from([0x74, 0x68, 0xc3, 0x28, 0x20, 0xff, 0x0a])))), 'u.txt')));
  out.push(textCase('NUL bytes', 'either', (d) => (writeFileSync(join(d, 'z.txt'), Buffer.concat(Array.from({ length: 40 }, () => Buffer.from('ab\0cd\0 ef\n')))), 'z.txt')));
  out.push(textCase('JSONL, broken line', 2, (d) => (writeFileSync(join(d, 'x.jsonl'), '{"text": "a b c"}\n{"text": \n'.repeat(20)), 'x.jsonl')));
  out.push(textCase('JSONL, text not a string', 2, (d) => (writeFileSync(join(d, 'y.jsonl'), '{"text": 5}\n'.repeat(40)), 'y.jsonl')));
  out.push(textCase('JSONL, deep nesting', 2, (d) => (writeFileSync(join(d, 'n.jsonl'), '['.repeat(50000) + ']'.repeat(50000) + '\n'), 'n.jsonl')));
  out.push(textCase('an 80 MB file', 2, (d) => (writeFileSync(join(d, 'big.txt'), Buffer.alloc(80 * 1024 * 1024, 'a quick brown fox\n')), 'big.txt')));
  out.push(textCase('CRLF lines', 0, (d) => (writeFileSync(join(d, 'crlf.txt'), TEXT_LINES.join('\r\n').repeat(8) + '\r\n'), 'crlf.txt')));
  // IDX
  out.push(idxCase('good files', 0, goodIdxImages));
  out.push(idxCase('gzip bomb of 1 GiB', 2, () => gzipBomb(1024, idxHeader(8, [16, 8, 8]))));
  out.push(idxCase('gzip bomb of 300 MiB', 2, () => gzipBomb(300, idxHeader(8, [16, 8, 8]))));
  out.push(idxCase('header says 1e9 images', 2, () => Buffer.concat([idxHeader(8, [1e9, 8, 8]), Buffer.alloc(64)])));
  out.push(idxCase('header says 65536x65536 pixels', 2, () => Buffer.concat([idxHeader(8, [1, 65536, 65536]), Buffer.alloc(64)])));
  out.push(idxCase('4 GiB dims', 2, () => Buffer.concat([idxHeader(8, [4294967295, 4294967295, 4294967295]), Buffer.alloc(64)])));
  out.push(idxCase('wrong magic', 2, () => Buffer.concat([Buffer.from([1, 2, 3, 4]), Buffer.alloc(64)])));
  out.push(idxCase('float type', 2, () => Buffer.concat([idxHeader(0x0d, [16, 8, 8]), Buffer.alloc(16 * 64 * 4)])));
  out.push(idxCase('255 dimensions', 2, () => Buffer.concat([idxHeader(8, new Array(255).fill(1)), Buffer.alloc(64)])));
  out.push(idxCase('truncated', 2, () => goodIdxImages().subarray(0, 100)));
  out.push(idxCase('zero images', 2, () => idxHeader(8, [0, 8, 8])));
  out.push(idxCase('labels out of range', 'either', goodIdxImages, () => Buffer.concat([idxHeader(8, [16]), Buffer.alloc(16, 250)])));
  out.push(idxCase('labels count differs', 2, goodIdxImages, () => Buffer.concat([idxHeader(8, [15]), Buffer.alloc(15, 1)])));
  out.push(idxCase('not gzip after the magic', 2, () => Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7])));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tampered checkpoints and the run directory

function resumeCase(name: string, expect: Expected, edit: (run: string) => void, args: string[] = []): FuzzCase {
  return {
    name,
    group: 'checkpoint',
    expect,
    prepare: (dir, shared) => {
      cpSync(shared.goodRun, join(dir, 'run'), { recursive: true });
      edit(join(dir, 'run'));
      return ['train', '--config', writeJson(dir, 'config.json', { ...BASE_IMAGE, trainer: { ...TRAIN, epochs: 2, maxSteps: 0 } }), '--out', 'run', '--resume', ...args];
    },
  };
}

function modelJson(run: string): string {
  const ck = readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim();
  return join(run, 'checkpoints', ck, 'model.json');
}

function checkpointCases(): FuzzCase[] {
  const out: FuzzCase[] = CHECKPOINT_TAMPERS.map((t) =>
    resumeCase(`checkpoint: ${t.name}`, 2, (run) => {
      const file = modelJson(run);
      const json = JSON.parse(readFileSync(file, 'utf8'));
      const r = t.apply(json);
      writeFileSync(file, typeof r === 'string' ? r : JSON.stringify(r === undefined ? json : r));
    }),
  );
  out.push(resumeCase('checkpoint: untouched', 0, () => {}));
  out.push(resumeCase('checkpoint: weights.bin cut short', 2, (run) => writeFileSync(join(run, 'checkpoints', readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim(), 'weights.bin'), 'xx')));
  out.push(resumeCase('checkpoint: weights.bin a folder', 2, (run) => {
    const w = join(run, 'checkpoints', readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim(), 'weights.bin');
    writeFileSync(w + '.x', '');
    cpSync(join(run, 'artifacts'), w + '.d', { recursive: true });
    rmSync(w);
    mkdirSync(w);
  }));
  out.push(resumeCase('checkpoint: latest names a missing step', 'either', (run) => writeFileSync(join(run, 'checkpoints', 'latest'), 'step-99999999\n')));
  out.push(resumeCase('checkpoint: latest names ../../x', 'either', (run) => writeFileSync(join(run, 'checkpoints', 'latest'), '../../x\n')));
  out.push(resumeCase('checkpoint: model changed (width)', 2, () => {}, ['--set', 'model.width=8']));
  out.push(resumeCase('checkpoint: latest is a folder', 2, (run) => {
    rmSync(join(run, 'checkpoints', 'latest'));
    mkdirSync(join(run, 'checkpoints', 'latest'));
  }));
  out.push(resumeCase('checkpoint: weights.bin longer than the manifest', 2, (run) => writeFileSync(join(run, 'checkpoints', readFileSync(join(run, 'checkpoints', 'latest'), 'utf8').trim(), 'weights.bin'), Buffer.alloc(10 * 2 ** 20), { flag: 'a' })));
  out.push(resumeCase('checkpoint: model.json of 300 MB', 2, (run) => writeFileSync(modelJson(run), Buffer.alloc(300 * 2 ** 20, 0x20), { flag: 'a' })));
  out.push(resumeCase('run dir: checkpoints is a file', 2, (run) => {
    rmSync(join(run, 'checkpoints'), { recursive: true });
    writeFileSync(join(run, 'checkpoints'), 'x');
  }));
  // Nothing given is wrong: the same command succeeds once the other run ends.
  out.push(resumeCase('run dir: a live lock', 1, (run) => writeFileSync(join(run, '.lock'), `${process.pid} host t\n`)));
  out.push(resumeCase('run dir: a stale lock', 0, (run) => writeFileSync(join(run, '.lock'), `2147483646 host t\n`)));
  out.push(resumeCase('run dir: metrics.jsonl is a folder', 2, (run) => {
    rmSync(join(run, 'metrics.jsonl'));
    mkdirSync(join(run, 'metrics.jsonl'));
  }));
  out.push({ name: 'report: metrics.jsonl is a folder', group: 'cli', expect: 2, prepare: (dir, shared) => {
    cpSync(shared.goodRun, join(dir, 'run'), { recursive: true });
    rmSync(join(dir, 'run', 'metrics.jsonl'));
    mkdirSync(join(dir, 'run', 'metrics.jsonl'));
    return ['report', 'run', '--out', 'report'];
  } });
  out.push({ name: 'report: a metrics line with 100k keys', group: 'cli', expect: 'either', prepare: (dir, shared) => {
    cpSync(shared.goodRun, join(dir, 'run'), { recursive: true });
    const rec: Record<string, number> = { step: 0, epoch: 0 };
    for (let i = 0; i < 100_000; i++) rec[`k${i}`] = i;
    writeFileSync(join(dir, 'run', 'metrics.jsonl'), JSON.stringify({ type: 'step', ...rec }) + '\n', { flag: 'a' });
    return ['report', 'run', '--out', 'report'];
  } });
  out.push({ name: 'fresh run into a folder whose checkpoints is a file', group: 'cli', expect: 2, prepare: (dir) => {
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'checkpoints'), 'x');
    return ['train', '--config', writeJson(dir, 'config.json', BASE_IMAGE), '--out', 'run'];
  } });
  out.push({ name: "fresh run into someone else's folder", group: 'cli', expect: 2, prepare: (dir) => {
    mkdirSync(join(dir, 'run'));
    writeFileSync(join(dir, 'run', 'config.json'), '{"someone": "else"}');
    return ['train', '--config', writeJson(dir, 'config.json', BASE_IMAGE), '--out', 'run'];
  } });
  return out;
}

/** The whole corpus, in a fixed order. */
export function fuzzCorpus(): FuzzCase[] {
  return [...NAMED_CONFIG_CASES, ...generatedConfigCases(), ...dataCases(), ...checkpointCases()];
}
