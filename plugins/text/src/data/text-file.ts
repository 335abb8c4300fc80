import { z } from 'zod';
import type { PartContext } from '@mtojs/core';
import { TextCorpusSource, textCorpusShape, type TextCorpus, type TextDocument } from './text-corpus.js';
import { pickedEvenly } from './interleave.js';
import { readDocuments, TEXT_FILE_LIMITS } from './read-documents.js';
import { parsePartOptions, resolveDataPath } from '@mtojs/core';

export const textFileOptionsSchema = z.strictObject({
  ...textCorpusShape,
  /** The file: relative paths resolve from the config's folder. */
  path: z.string().min(1),
  /** 'auto': JSONL when the name ends in .jsonl or .ndjson, else plain text (one document per line). */
  format: z.enum(['auto', 'text', 'jsonl']).default('auto'),
  /** JSONL: the field holding the text. */
  textField: z.string().min(1).default('text'),
  /** JSONL: an optional label field (strings or numbers; classes sorted by name). Absent: unlabelled. */
  labelField: z.string().min(1).optional(),
  /** Fraction of documents held out for evaluation (every 1/testFraction-th line). */
  testFraction: z.number().min(0).lt(1).default(0.1),
  /** The largest file read, in bytes (checked before reading; the read is capped too). */
  maxBytes: z.number().int().min(1).default(TEXT_FILE_LIMITS.maxBytes),
  /** The longest line (document), in bytes. */
  maxLineBytes: z.number().int().min(1).default(TEXT_FILE_LIMITS.maxLineBytes),
});
export type TextFileOptions = z.output<typeof textFileOptionsSchema>;

/**
 * Your own text: a plain text file (one document per line) or a JSONL file (one object per
 * line, with an optional label). The split is fixed: every 1/testFraction-th document is test.
 */
export class TextFileData extends TextCorpusSource {
  static readonly className = 'text-file';
  static readonly optionsSchema = textFileOptionsSchema;
  static readonly description = 'Your own text: a plain text (one document per line) or JSONL file (optional label field)';

  readonly options: TextFileOptions;

  constructor(options: z.input<typeof textFileOptionsSchema>, ctx?: PartContext) {
    super(ctx);
    this.options = parsePartOptions(textFileOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  /** The absolute path read. */
  get file(): string {
    return resolveDataPath(this.options.path, this.ctx?.baseDir);
  }

  protected async readCorpus(): Promise<TextCorpus> {
    const o = this.options;
    const format = o.format === 'auto' ? (/\.(jsonl|ndjson)$/i.test(o.path) ? 'jsonl' : 'text') : o.format;
    const raw = readDocuments(this.file, format, { textField: o.textField, labelField: o.labelField }, { maxBytes: o.maxBytes, maxLineBytes: o.maxLineBytes });
    const classNames = o.labelField ? [...new Set(raw.map((d) => d.label!))].sort() : undefined;
    const train: TextDocument[] = [];
    const test: TextDocument[] = [];
    raw.forEach((d, i) => {
      const doc = { text: d.text, label: classNames ? classNames.indexOf(d.label!) : -1 };
      (pickedEvenly(i, o.testFraction) ? test : train).push(doc);
    });
    return { classNames, splits: { train, test } };
  }
}
