import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { TOKENS, UserError, writeFileAtomic, type DataBatch, type DataInfo, type DataSource, type PartContext, type RunPaths, type Split, type Stateful, type TrainerEvents } from '@mtojs/core';
import { WordPieceVocab } from '../tokenizer/wordpiece.js';
import { trainWordPiece } from '../tokenizer/train-vocab.js';
import { encodeDocument } from '../tokenizer/sequences.js';

/** Options every text source shares: the tokenizer and how documents become sequences. */
export const textCorpusShape = {
  /** Tokens per sequence, [CLS] and [SEP] included; shorter sequences are padded with [PAD]. */
  seqLen: z.number().int().min(4).max(16_384).default(64),
  /** WordPiece vocabulary size, the 5 special tokens included. */
  vocabSize: z.number().int().min(64).max(1_000_000).default(4000),
  /** Lowercase (and strip accents) before tokenising, as BERT-base-uncased. */
  lowercase: z.boolean().default(true),
  /**
   * 'truncate': one sequence per document, its first seqLen - 2 tokens. 'chunk': a document
   * becomes consecutive sequences of seqLen - 2 tokens (the last one padded), each with the
   * document's label; long documents then contribute all their text.
   */
  sequences: z.enum(['truncate', 'chunk']).default('truncate'),
};

export interface TextCorpusOptions {
  seqLen: number;
  vocabSize: number;
  lowercase: boolean;
  sequences: 'truncate' | 'chunk';
}

/** One document: its text and class index (-1 when unlabelled). */
export interface TextDocument {
  text: string;
  label: number;
}

/** What a source reads: documents per split and, for labelled data, the class names. */
export interface TextCorpus {
  splits: Partial<Record<Split, TextDocument[]>>;
  classNames?: string[];
}

/** A split as token sequences: [count, seqLen] ids row-major. */
interface EncodedSplit {
  ids: Int32Array;
  labels: Int32Array;
  count: number;
}

/** The checkpointed state: the vocabulary the run was trained with. */
export interface TextCorpusState {
  vocab: string[];
  lowercase: boolean;
}

/**
 * Base of the text data sources. `load` reads the documents (`readCorpus`), trains a WordPiece
 * vocabulary on the training split (or keeps one given by `setState`), and encodes every split
 * into [CLS] tokens [SEP] [PAD]... sequences of `seqLen` ids. The vocabulary travels in
 * checkpoints (getState/setState: a restored run re-encodes its text with the saved vocabulary)
 * and, when the run has a directory, is written to `<run>/vocab.txt`.
 */
export abstract class TextCorpusSource implements DataSource, Stateful {
  abstract readonly options: TextCorpusOptions;
  private vocabulary: WordPieceVocab | null = null;
  /** Whether vocab.txt waits for the run to start (see writeVocabFile). */
  private vocabWritePending = false;
  private corpus: TextCorpus | null = null;
  private encoded: Partial<Record<Split, EncodedSplit>> = {};
  private loadedInfo: DataInfo | null = null;

  constructor(protected readonly ctx?: PartContext) {}

  /** Reads the documents; errors name the file and line. */
  protected abstract readCorpus(): Promise<TextCorpus>;
  abstract getConfig(): Record<string, unknown>;

  async load(): Promise<void> {
    const corpus = await this.readCorpus();
    const train = corpus.splits.train ?? [];
    if (train.length === 0) throw new UserError(`data '${(this.constructor as unknown as { className: string }).className}': the training split has no documents`);
    this.corpus = corpus;
    if (!this.vocabulary || this.vocabulary.lowercase !== this.options.lowercase) {
      this.vocabulary = trainWordPiece(
        train.map((d) => d.text),
        { vocabSize: this.options.vocabSize, lowercase: this.options.lowercase },
      );
    }
    this.encodeAll();
    this.writeVocabFile();
  }

  /** The vocabulary (after `load`). */
  get vocab(): WordPieceVocab {
    if (!this.vocabulary) throw new Error(`${this.constructor.name}: call load() before reading the vocabulary`);
    return this.vocabulary;
  }

  get info(): DataInfo {
    if (!this.loadedInfo) throw new Error(`${this.constructor.name}: call load() before reading info`);
    return this.loadedInfo;
  }

  size(split: Split): number {
    return this.encoded[split]?.count ?? 0;
  }

  /** Sequences [B, seqLen] int32; labels when the corpus is labelled. */
  batch(split: Split, indices: ArrayLike<number>): DataBatch {
    const L = this.options.seqLen;
    const data = this.encoded[split];
    const count = data?.count ?? 0;
    const B = indices.length;
    const ids = new Int32Array(B * L);
    const labels = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const i = indices[b];
      if (!Number.isInteger(i) || i < 0 || i >= count) {
        throw new RangeError(`${split} split: index ${i} is out of range; the split has ${count} sequences (valid indices 0..${count - 1})`);
      }
      ids.set(data!.ids.subarray(i * L, (i + 1) * L), b * L);
      labels[b] = data!.labels[i];
    }
    const batch: DataBatch = { inputs: tf.tensor2d(ids, [B, L], 'int32') };
    if (this.loadedInfo?.classNames) batch.labels = labels;
    return batch;
  }

  getState(): TextCorpusState {
    return { vocab: [...this.vocab.tokens], lowercase: this.vocab.lowercase };
  }

  /** Restores a checkpoint's vocabulary; the text is re-encoded with it when it differs. */
  setState(state: unknown): void {
    const s = state as Partial<TextCorpusState> | null;
    if (!s?.vocab) return;
    if (this.vocabulary && s.vocab.length === this.vocabulary.size && s.vocab.every((t, i) => t === this.vocabulary!.tokens[i]) && s.lowercase === this.vocabulary.lowercase) return;
    if (this.vocabulary && s.vocab.length !== this.vocabulary.size) {
      throw new UserError(`checkpoint: its vocabulary has ${s.vocab.length} tokens but this run's has ${this.vocabulary.size}; use the same data.vocabSize`);
    }
    this.vocabulary = new WordPieceVocab(s.vocab, s.lowercase ?? true);
    if (this.corpus) {
      this.encodeAll();
      this.writeVocabFile();
    }
  }

  /** A document's token ids as sequences of seqLen ids: [CLS] pieces [SEP] then padding (see `encodeDocument`). */
  encodeDocument(text: string): Int32Array[] {
    return encodeDocument(this.vocab, text, this.options.seqLen, this.options.sequences);
  }

  private encodeAll(): void {
    const corpus = this.corpus!;
    const L = this.options.seqLen;
    this.encoded = {};
    for (const [split, docs] of Object.entries(corpus.splits) as [Split, TextDocument[]][]) {
      const seqs: Int32Array[] = [];
      const labels: number[] = [];
      for (const doc of docs) {
        for (const seq of this.encodeDocument(doc.text)) {
          seqs.push(seq);
          labels.push(doc.label);
        }
      }
      const ids = new Int32Array(seqs.length * L);
      seqs.forEach((s, i) => ids.set(s, i * L));
      this.encoded[split] = { ids, labels: Int32Array.from(labels), count: seqs.length };
    }
    this.loadedInfo = {
      modality: 'text',
      exampleShape: [L],
      dtype: 'int32',
      ...(corpus.classNames ? { classNames: corpus.classNames } : {}),
      vocab: this.vocab.tokens,
      // How the vocabulary normalises text: an exported encoder tokenises users' strings the same way.
      lowercase: this.vocab.lowercase,
    };
  }

  /**
   * `<run>/vocab.txt` (one token per line) when the run writes files: written when training
   * starts, so a run refused in setup (or a failed resume) leaves no file behind.
   */
  private writeVocabFile(): void {
    const container = this.ctx?.container;
    if (!container?.isRegistered(TOKENS.RunPaths, true)) return;
    const root = container.resolve<RunPaths>(TOKENS.RunPaths).root;
    if (!root) return;
    const write = () => {
      mkdirSync(root, { recursive: true });
      writeFileAtomic(join(root, 'vocab.txt'), this.vocab.toText());
    };
    if (!container.isRegistered(TOKENS.Events, true)) return write();
    if (this.vocabWritePending) return; // the vocabulary of the moment is written then
    this.vocabWritePending = true;
    container.resolve<TrainerEvents>(TOKENS.Events).once('fitStart', () => {
      this.vocabWritePending = false;
      write();
    });
  }
}
