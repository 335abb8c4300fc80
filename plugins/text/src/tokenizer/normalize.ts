/**
 * BERT's text normalisation and pre-tokenisation, as Hugging Face's BertNormalizer and
 * BertPreTokenizer do it: drop control characters, turn whitespace into spaces, put spaces
 * around CJK ideographs, strip accents, lowercase; then split on whitespace with every
 * punctuation character a word of its own. Vocabulary training and encoding both use these,
 * so the trained pieces are those the encoder sees.
 */
export function normalizeText(text: string, lowercase: boolean): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    if (/\s/u.test(ch)) out += ' ';
    else if (isCjk(cp)) out += ` ${ch} `;
    else out += ch;
  }
  if (lowercase) out = out.toLowerCase();
  // Strip accents: decompose, drop the combining marks.
  return out.normalize('NFD').replace(/\p{Mn}/gu, '');
}

/** The words of normalised text: whitespace-separated, with each punctuation character split off. */
export function preTokenize(normalized: string): string[] {
  const words: string[] = [];
  for (const chunk of normalized.split(' ')) {
    if (!chunk) continue;
    let current = '';
    for (const ch of chunk) {
      if (isPunctuation(ch)) {
        if (current) words.push(current);
        words.push(ch);
        current = '';
      } else {
        current += ch;
      }
    }
    if (current) words.push(current);
  }
  return words;
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /[\p{Cc}\p{Cf}]/u.test(ch);
}

/** ASCII symbols count as punctuation too (as in BERT), beside Unicode's P* categories. */
function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
