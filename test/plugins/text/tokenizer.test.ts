import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SPECIAL_TOKENS, WordPieceVocab, normalizeText, preTokenize, trainWordPiece } from '@mtojs/text';

const CORPUS = [
  'The quick brown fox jumps over the lazy dog.',
  'Unsubscribe now: click here to claim your FREE prize!!!',
  'Meeting moved to Thursday; please review the attached draft before then.',
  'Café naïve résumé: accents are stripped, as BERT-base-uncased does.',
  'Numbers like 2002 and 10:54 split on punctuation.',
];

test('tokenizer: trains with `tokenizers`, prunes to vocabSize, specials first, every character kept', () => {
  const vocab = trainWordPiece(CORPUS, { vocabSize: 150, lowercase: true });
  assert.equal(vocab.size, 150);
  assert.deepEqual(vocab.tokens.slice(0, 5), [...SPECIAL_TOKENS]);
  const chars = new Set(CORPUS.flatMap((d) => preTokenize(normalizeText(d, true)).flatMap((w) => Array.from(w))));
  for (const ch of chars) {
    assert.ok(vocab.id(ch) !== undefined, `character '${ch}'`);
    assert.ok(vocab.id(`##${ch}`) !== undefined, `continuation '##${ch}'`);
  }
});

test('tokenizer: encode then decode gives back the normalised text; never [UNK] for seen characters', () => {
  const vocab = trainWordPiece(CORPUS, { vocabSize: 120, lowercase: true });
  for (const text of [...CORPUS, 'Brown dogs claim prizes on thursdays.']) {
    const { ids, wordStarts } = vocab.encode(text);
    assert.equal(ids.length, wordStarts.length);
    assert.ok(!ids.includes(1), `no [UNK] in ${text}`);
    assert.equal(vocab.decode(ids), preTokenize(normalizeText(text, true)).join(' '));
    ids.forEach((id, k) => assert.equal(wordStarts[k], vocab.tokens[id].startsWith('##') ? 0 : 1));
  }
  assert.equal(vocab.decode(vocab.encode('Café').ids), 'cafe');
});

test('tokenizer: a vocabulary round-trips through its token list (what checkpoints store)', () => {
  const vocab = trainWordPiece(CORPUS, { vocabSize: 100, lowercase: true });
  const copy = new WordPieceVocab([...vocab.tokens], vocab.lowercase);
  for (const text of CORPUS) assert.deepEqual(copy.encode(text), vocab.encode(text));
  assert.throws(() => new WordPieceVocab(['[PAD]', 'a']), /token 1 must be \[UNK\]/);
});
