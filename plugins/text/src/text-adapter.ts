import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import {
  ConfigError,
  UserError,
  type DataBatch,
  type DataInfo,
  type EvalContext,
  type Initializer,
  type MaskBatch,
  type ModalityAdapter,
  type PartContext,
  type PreparedBatch,
  type Stem,
  type TokenLayout,
  parsePartOptions,
} from '@mtojs/core';
import { CONTINUATION_PREFIX, FIRST_REGULAR_ID, PAD_ID, SPECIAL_TOKENS } from './special-tokens.js';
import { TextStem, predictedPositions } from './text-stem.js';
import { evaluateMaskedTokens } from './masked-token-eval.js';
import { WordPieceVocab } from './tokenizer/wordpiece.js';
import { encodeDocument, framedSequence } from './tokenizer/sequences.js';

export const textAdapterOptionsSchema = z.strictObject({
  /** Held-out sequences scored for masked-token accuracy at each evaluation (the first ones of the split). */
  evalExamples: z.number().int().min(0).default(512),
  /**
   * BERT's prediction-head transform (dense + GELU + LayerNorm) before the tied vocabulary
   * projection. Off by default: in the short runs this package is sized for, it learned slower.
   */
  headTransform: z.boolean().default(false),
});
export type TextAdapterOptions = z.output<typeof textAdapterOptionsSchema>;

/**
 * Token-id sequences (from the text data sources) for BERT-style masked language modelling.
 * prepare() marks padding ([PAD]: never attended to, masked or predicted) and protects every
 * special token from masking; the stem embeds ids and scores the vocabulary with tied weights;
 * the loss is cross-entropy over the predicted positions (MaskBatch.target). With SimMIM as the
 * model, the model's shared mask token is the [MASK] embedding (the vocabulary's [MASK] row is
 * never fed), so MTO acts on exactly the [MASK] token.
 */
export class TextAdapter implements ModalityAdapter {
  static readonly className = 'text';
  static readonly optionsSchema = textAdapterOptionsSchema;
  static readonly description = 'Token-id sequences: tied-embedding vocabulary head, cross-entropy on masked tokens, masked-token accuracy';

  readonly options: TextAdapterOptions;
  private tokenLayout: TokenLayout | null = null;
  /** Per vocabulary id: 1 when the token starts a word (not a '##' continuation). */
  private startsWord: Uint8Array = new Uint8Array(0);
  private vocabulary: WordPieceVocab | null = null;

  constructor(options: z.input<typeof textAdapterOptionsSchema> = {}, _ctx?: PartContext) {
    this.options = parsePartOptions(textAdapterOptionsSchema, options, 'adapter');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  setup(info: DataInfo): TokenLayout {
    if (info.modality !== 'text') throw new ConfigError(`adapter: the 'text' adapter needs text data, but the data source gives modality '${info.modality}'`);
    const vocab = info.vocab as readonly string[] | undefined;
    if (!Array.isArray(vocab) || SPECIAL_TOKENS.some((t, i) => vocab[i] !== t)) {
      throw new ConfigError(`adapter: the 'text' adapter needs a data source that gives its vocabulary (info.vocab) starting with ${SPECIAL_TOKENS.join(' ')}`);
    }
    if (info.exampleShape.length !== 1 || info.dtype !== 'int32') {
      throw new ConfigError(`adapter: the 'text' adapter needs int32 id sequences [seqLen], but the data source gives ${info.dtype} [${info.exampleShape.join(', ')}]`);
    }
    if (info.lowercase !== undefined && typeof info.lowercase !== 'boolean') throw new ConfigError(`adapter: the data source's info.lowercase must be a boolean, got ${JSON.stringify(info.lowercase)}`);
    const L = info.exampleShape[0];
    this.vocabulary = new WordPieceVocab(vocab, (info.lowercase as boolean | undefined) ?? true);
    this.startsWord = Uint8Array.from(vocab, (t) => (t.startsWith(CONTINUATION_PREFIX) ? 0 : 1));
    this.tokenLayout = { numTokens: L, tokenDim: vocab.length, targetDim: vocab.length, grid: [1, L], discrete: true };
    return this.tokenLayout;
  }

  get layout(): TokenLayout {
    if (!this.tokenLayout) throw new Error('text adapter: setup(info) must run before the layout is read');
    return this.tokenLayout;
  }

  /** Ids [B, L] -> tokens (ids), targets (the same ids), padding, protected specials, word starts. */
  prepare(batch: DataBatch, _opts: { training?: boolean } = {}): PreparedBatch {
    const { numTokens: L } = this.layout;
    const input = batch.inputs;
    if (input.rank !== 2 || input.shape[1] !== L) throw new Error(`text adapter: expected ids [B, ${L}], got [${input.shape.join(', ')}]`);
    const B = input.shape[0];
    const ids = Int32Array.from(input.dataSync() as ArrayLike<number>);
    const padding = new Float32Array(B * L);
    const isProtected = new Uint8Array(B * L);
    const wordStarts = new Uint8Array(B * L);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= this.startsWord.length) throw new Error(`text adapter: token id ${id} is outside the vocabulary (0..${this.startsWord.length - 1})`);
      padding[i] = id === PAD_ID ? 1 : 0;
      isProtected[i] = id < FIRST_REGULAR_ID ? 1 : 0;
      wordStarts[i] = this.startsWord[id];
    }
    const prepared: PreparedBatch = {
      batchSize: B,
      tokens: tf.tensor2d(ids, [B, L], 'int32'),
      targets: tf.tensor2d(ids, [B, L], 'int32'),
      padding: tf.tensor2d(padding, [B, L]),
      protected: isProtected,
      tokenIds: ids,
      wordStarts,
    };
    if (batch.labels) prepared.labels = batch.labels;
    return prepared;
  }

  /**
   * Users' strings as id sequences [B, seqLen], tokenised with the run's WordPiece vocabulary
   * exactly as the text data sources encode documents: [CLS] the first seqLen - 2 pieces [SEP]
   * then [PAD]s. A string with no pieces (empty, only spaces) is [CLS] [SEP].
   */
  batchFromRaw(inputs: readonly unknown[], opts: { firstIndex?: number } = {}): DataBatch {
    const vocab = this.vocabulary;
    if (!vocab) throw new Error('text adapter: setup(info) must run before batchFromRaw');
    const L = this.layout.numTokens;
    const ids = new Int32Array(inputs.length * L);
    inputs.forEach((text, i) => {
      if (typeof text !== 'string') throw new UserError(`input ${(opts.firstIndex ?? 0) + i}: ${text === null ? 'null' : Array.isArray(text) ? 'an array' : typeof text}; expected a string of text`);
      ids.set(encodeDocument(vocab, text, L, 'truncate')[0] ?? framedSequence([], L), i * L);
    });
    return { inputs: tf.tensor2d(ids, [inputs.length, L], 'int32') };
  }

  createStem(dims: { inputWidth: number; outputWidth: number }, init: Initializer): Stem {
    return new TextStem(this.layout.tokenDim, dims, init, { headTransform: this.options.headTransform });
  }

  /**
   * Mean cross-entropy of the original token at the predicted positions (MaskBatch.target; never
   * padding). `pred` is [B, N, vocab] (TextStem.head) or, from a model that scores only the
   * predicted positions (TextStem.headAtTargets), [1, K, vocab] in `predictedPositions` order.
   */
  loss(pred: tf.Tensor3D, batch: PreparedBatch, mask: MaskBatch): tf.Scalar {
    return tf.tidy(() => {
      const [B, N] = mask.target.shape;
      const V = pred.shape[2];
      const targets = tf.reshape(tf.cast(batch.targets, 'int32'), [B * N]) as tf.Tensor1D;
      let truth: tf.Tensor1D;
      let weights: tf.Tensor1D;
      let logits: tf.Tensor2D;
      if (pred.shape[0] === B && pred.shape[1] === N) {
        logits = tf.reshape(pred, [B * N, V]) as tf.Tensor2D;
        truth = targets;
        weights = tf.reshape(mask.target, [B * N]) as tf.Tensor1D;
        if (batch.padding) weights = tf.mul(weights, tf.sub(1, tf.reshape(batch.padding, [B * N])));
      } else {
        const rows = predictedPositions(mask);
        if (pred.shape[0] !== 1 || pred.shape[1] !== rows.length) {
          throw new Error(`text adapter: predictions are [${pred.shape.join(', ')}]; expected [${B}, ${N}, ${V}] or, at the ${rows.length} predicted positions, [1, ${rows.length}, ${V}]`);
        }
        const at = tf.tensor1d(rows, 'int32');
        logits = tf.reshape(pred, [rows.length, V]) as tf.Tensor2D;
        truth = tf.gather(targets, at);
        weights = batch.padding ? (tf.sub(1, tf.gather(tf.reshape(batch.padding, [B * N]), at)) as tf.Tensor1D) : tf.ones([rows.length]);
      }
      const logProbs = tf.logSoftmax(logits);
      const nll = tf.neg(tf.sum(tf.mul(logProbs, tf.cast(tf.oneHot(truth, V), 'float32')), -1));
      return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
    });
  }

  /** Held-out masked-token accuracy (`mlm_acc`), its loss, and the unigram baseline (`unigram_acc`). */
  async evaluate(ctx: EvalContext): Promise<Record<string, number>> {
    return evaluateMaskedTokens(this, ctx, this.options.evalExamples);
  }
}
