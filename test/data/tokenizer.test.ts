// Tokenizer rules (docs/tokenizer.md), idempotence on real pre-tokenized SST lines, the
// vocabulary fallback chain and the SNN_E_INPUT paths of decodeText / textToIds.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSnncError } from '../../core/errors.js';
import { NUM, PAD, UNK, UNK_ID, Vocab, decodeText, resolveToken, textToIds, tokenize } from '../../runtime/tokenizer.js';
import { codeOf } from '../helpers/code-of.js';

const SST = new URL('../../examples/data/sst2/', import.meta.url);
const sstLines = (f: string): string[] =>
  readFileSync(new URL(f, SST), 'utf8').split('\n').filter((l) => l !== '').map((l) => l.slice(l.indexOf(' ') + 1));


const t = (s: string): string => tokenize(s).join(' ');

describe('tokenize: rules', () => {
  it('splits punctuation PTB-style and lower-cases', () => {
    expect(t('A gorgeous, witty film!')).toBe('a gorgeous , witty film !');
    expect(t('Is it good? Yes; very: really.')).toBe('is it good ? yes ; very : really .');
  });
  it('splits clitics like the Treebank', () => {
    expect(t("don't")).toBe("do n't");
    expect(t("it's")).toBe("it 's");
    expect(t("can't")).toBe("ca n't");
    expect(t("won't")).toBe("wo n't");
    expect(t("We're sure I'm right, you'll see, they've gone, he'd go")).toBe(
      "we 're sure i 'm right , you 'll see , they 've gone , he 'd go",
    );
    expect(t('cannot')).toBe('can not');
    expect(t('It\u2019s fine')).toBe("it 's fine");
  });
  it('repairs contractions torn apart upstream', () => {
    expect(t("i can 't go")).toBe("i ca n't go");
    expect(t("it does n 't show")).toBe("it does n't show");
  });
  it('turns double quotes into `` and \'\' by position', () => {
    expect(t('he said "no way" and left')).toBe("he said `` no way '' and left");
    expect(t('he said " no way " and left')).toBe("he said `` no way '' and left");
    expect(t('\u201cQuoted\u201d')).toBe("`` quoted ''");
    expect(t("the 'news' today")).toBe("the ` news ' today");
  });
  it('keeps elisions, abbreviations, hyphenated words and numbers whole', () => {
    expect(t("the '70s, rock 'n' roll, ol' blue")).toBe("the '70s , rock 'n' roll , ol' blue");
    expect(t('Mr. Smith of the U.S. met Dr. J. Doe.')).toBe('mr. smith of the u.s. met dr. j. doe .');
    expect(t('a well-made, sci-fi coming-of-age film')).toBe('a well-made , sci-fi coming-of-age film');
    expect(t('it cost $7.50, about 2,500 yen at 10:30')).toBe('it cost $ 7.50 , about 2,500 yen at 10:30');
    expect(t('i said no.')).toBe('i said no .');
  });
  it('keeps ... as one token and maps dashes and ellipsis characters', () => {
    expect(t('wait... what')).toBe('wait ... what');
    expect(t('wait\u2026what')).toBe('wait ... what');
    expect(t('so.... good')).toBe('so ... good');
    expect(t('fun--mostly')).toBe('fun -- mostly');
    expect(t('fun \u2014 mostly')).toBe('fun -- mostly');
  });
  it('uses PTB escapes for brackets, slash and star', () => {
    expect(t('a film (sort of) [really]')).toBe('a film -lrb- sort of -rrb- -lsb- really -rsb-');
    expect(t('writer/director')).toBe('writer\\/director');
    expect(t('***')).toBe('\\*\\*\\*');
  });
  it('removes <br /> tags, invisible characters and odd whitespace; applies NFC', () => {
    expect(t('Great.<br /><br />Loved it<BR/>')).toBe('great . loved it');
    expect(t('sister\u00adcity')).toBe('sistercity');
    expect(t('hmm\u0085might\u00a0be')).toBe('hmm might be');
    expect(tokenize('cafe\u0301')).toEqual(['caf\u00e9']);
  });
  it('splits a sentence period with a missing space but not a domain', () => {
    expect(t('short.The end')).toBe('short . the end');
    expect(t('feardotcom.com')).toBe('feardotcom.com');
  });
  it('returns [] for text without tokens and never leaks object keys', () => {
    expect(tokenize('  \n\t ')).toEqual([]);
    expect(t('constructor toString __proto__ (constructor)')).toBe('constructor tostring __proto__ -lrb- constructor -rrb-');
  });
});

describe('tokenize: idempotence on real SST lines', () => {
  for (const f of ['stsa.binary.train', 'stsa.binary.dev', 'stsa.binary.test']) {
    it(`gives back the tokens of every line of ${f}`, () => {
      const lines = sstLines(f);
      expect(lines.length).toBeGreaterThan(800);
      const bad = lines.filter((l) => tokenize(l).join(' ') !== l.trim().split(/\s+/).join(' '));
      expect(bad).toEqual([]);
    });
  }
  it('is a fixpoint on its own output for raw text', () => {
    const raw = [
      "I didn't like it... \"Terrible,\" he said (twice). It's the '80s' worst/best!",
      'Mr. Bean\u2019s <br />holiday -- sort-of fun; 10/10?!',
    ];
    for (const r of raw) expect(tokenize(tokenize(r).join(' '))).toEqual(tokenize(r));
  });
});

describe('Vocab and the fallback chain', () => {
  const vocab = new Vocab([PAD, UNK, NUM, 'not', 'is', 'an', 'film', '\u2026', '(', 'writer', 'director', 'cliche', 'two', 'mr', 'them', 'seventies', 'sci-fi']);
  const id = (w: string): number => vocab.tokens.indexOf(w);
  it('enforces <pad> = 0 and <unk> = 1 and unique entries', () => {
    expect(codeOf(() => new Vocab(['<unk>', '<pad>', 'x']))).toBe('SNN_E_EMBEDDINGS');
    expect(codeOf(() => new Vocab([PAD, UNK, 'x', 'x']))).toBe('SNN_E_EMBEDDINGS');
  });
  it('resolves exact, alias, normalizations, compounds, numbers, then <unk>', () => {
    expect(vocab.idOf('film')).toBe(id('film'));
    expect(vocab.idOf("n't")).toBe(id('not'));
    expect(vocab.idOf("'s")).toBe(id('is'));
    expect(vocab.idOf('a')).toBe(id('an'));
    expect(vocab.idOf('...')).toBe(id('\u2026'));
    expect(vocab.idOf('-lrb-')).toBe(id('('));
    expect(vocab.idOf('clich\u00e9')).toBe(id('cliche'));
    expect(vocab.idOf('mr.')).toBe(id('mr'));
    expect(vocab.idOf("'em")).toBe(id('them'));
    expect(vocab.idOf("'70s")).toBe(id('seventies'));
    expect(vocab.idOf('sci-fi')).toBe(id('sci-fi'));
    expect(vocab.idsOf('writer\\/director')).toEqual([id('writer'), id('director')]);
    expect(vocab.idsOf('film-zzzq')).toEqual([id('film'), UNK_ID]);
    expect(vocab.idOf('writer-director')).toBe(UNK_ID); // several ids: idOf says <unk>
    expect(vocab.idOf('2')).toBe(id('two'));
    expect(vocab.idOf('1999')).toBe(id(NUM));
    expect(vocab.idOf('zzzq')).toBe(UNK_ID);
    expect(vocab.encode(['film', "n't", 'zzzq'])).toEqual([id('film'), id('not'), UNK_ID]);
  });
  it('resolveToken is the same chain on a plain membership test', () => {
    const has = (w: string): boolean => ['not', 'old', 'fun'].includes(w);
    expect(resolveToken("n't", has)).toEqual(['not']);
    expect(resolveToken('old-fun', has)).toEqual(['old', 'fun']);
    expect(resolveToken('123', has)).toBeNull();
  });
});

describe('decodeText and textToIds', () => {
  const vocab = new Vocab([PAD, UNK, 'good', 'film']);
  it('decodes valid UTF-8', () => {
    expect(decodeText(new TextEncoder().encode('cr\u00e8me br\u00fbl\u00e9e'))).toBe('cr\u00e8me br\u00fbl\u00e9e');
  });
  it('rejects invalid UTF-8 with SNN_E_INPUT and the byte offset', () => {
    const bytes = new Uint8Array([0x67, 0x6f, 0x6f, 0x64, 0x20, 0xe9, 0x74, 0xe9]); // Latin-1 "good été"
    expect(codeOf(() => decodeText(bytes))).toBe('SNN_E_INPUT');
    expect(() => decodeText(bytes)).toThrow(/byte offset 5/);
    expect(codeOf(() => decodeText(new Uint8Array([0xed, 0xa0, 0x80])))).toBe('SNN_E_INPUT'); // surrogate
    expect(codeOf(() => decodeText(new Uint8Array([0x61, 0xe2, 0x82])))).toBe('SNN_E_INPUT'); // truncated
  });
  it('rejects empty, blank and token-less text with SNN_E_INPUT', () => {
    expect(codeOf(() => textToIds('', vocab, 10))).toBe('SNN_E_INPUT');
    expect(codeOf(() => textToIds(' \n\t', vocab, 10))).toBe('SNN_E_INPUT');
    expect(codeOf(() => textToIds('<br /><br/>', vocab, 10))).toBe('SNN_E_INPUT');
    expect(codeOf(() => textToIds('\u00ad\u200b', vocab, 10))).toBe('SNN_E_INPUT');
  });
  it('encodes and truncates to maxLen', () => {
    expect(textToIds('Good film, good film!', vocab, 3)).toEqual([2, 3, UNK_ID]);
    expect(textToIds('Good film', vocab, 10)).toEqual([2, 3]);
  });
});
