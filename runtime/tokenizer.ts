// The one tokenizer of snnc, `snnc-word-v1`: raw text -> PTB-style lower-case tokens -> ids.
// Training, the host runtime and every device build call exactly this code, so a model sees
// the same ids everywhere. Browser-safe on purpose (no Node imports). Rules: docs/tokenizer.md.

import { SnncError, fail } from '../core/errors.js';

export const TOKENIZER_KIND = 'snnc-word-v1' as const;
export const PAD = '<pad>';
export const UNK = '<unk>';
/** Optional vocabulary entry that stands for numbers spelled with digits. */
export const NUM = '<num>';
export const PAD_ID = 0;
export const UNK_ID = 1;

// ------------------------------------------------------------------- character level

// Characters that are mapped before any splitting. Curly quotes become ASCII so the
// position rules below decide opening vs closing, exactly as for straight quotes.
const CHAR_MAP: ReadonlyMap<string, string> = new Map(Object.entries({
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u2032': "'", '\u00b4': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2026': ' ... ',
  '\u2014': ' -- ', '\u2013': ' -- ', '\u2015': ' -- ',
}));
// Invisible format characters: deleting them re-joins the word they were splitting.
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
// JS `\s` does not include U+0085 (NEL) or other C0/C1 controls; treat them all as space.
const SPACE_LIKE = /[\s\p{Cc}]+/gu;
const BR_TAG = /<br\s*\/?>/gi;

function normalizeChars(text: string): string {
  let s = text.replace(BR_TAG, ' ').normalize('NFC').toLowerCase().normalize('NFC');
  s = s.replace(INVISIBLE, '');
  s = s.replace(/[\u2018\u2019\u201a\u2032\u00b4\u201c\u201d\u201e\u2033\u00ab\u00bb\u2026\u2014\u2013\u2015]/g, (c) => CHAR_MAP.get(c) ?? c);
  s = s.replace(SPACE_LIKE, ' ');
  // Repair contractions that an upstream tokenizer tore apart: "can 't", "do n 't" (CR, TREC).
  return s.replace(/n '(t)(?= |$)/g, "n'$1");
}

// ----------------------------------------------------------------------- chunk level

// Maps, not object literals: a token such as "constructor" must not hit Object.prototype.
const BRACKETS: ReadonlyMap<string, string> = new Map(Object.entries({
  '(': '-lrb-', ')': '-rrb-', '[': '-lsb-', ']': '-rsb-', '{': '-lcb-', '}': '-rcb-',
}));
const CONTRACTION_SUFFIXES = ["'s", "'re", "'ve", "'ll", "'d", "'m"];
// Whole chunks that are already tokens in PTB form; matching them first is what makes
// tokenize() idempotent on pre-tokenized corpora (SST, MR, ...).
const PROTECTED = new Set([
  '-lrb-', '-rrb-', '-lsb-', '-rsb-', '-lcb-', '-rcb-', '``', "''", '`', "'", '--', '...',
  "n't", ...CONTRACTION_SUFFIXES,
  "'em", "'n", "'n'", "'til", "'tis", "'twas", "'cause", "'bout", "'round", "ol'", "o'",
]);
// Elisions with a leading apostrophe ('70s, '53) must not be read as an opening quote.
const LEADING_ELISION = /^'(?:\d+s?|em|n'?|til|tis|twas|cause|bout|round)$/;
// Abbreviations that keep their final period anywhere in the text.
const ABBREV = new Set([
  'mr', 'mrs', 'ms', 'dr', 'jr', 'sr', 'st', 'vs', 'etc', 'bros', 'inc', 'corp', 'ltd',
  'prof', 'sept', 'calif', 'jan', 'feb', 'aug', 'oct', 'nov', 'dec', 'mt', 'ft', 'dept', 'approx',
]);
// Abbreviations that are also ordinary words: keep the period only when text follows, so a
// sentence ending in "... said no." still yields "no" ".".
const ABBREV_IF_NOT_LAST = new Set(['no', 'al', 'pa', 'co', 'wash', 'gen', 'rev', 'vol', 'sen', 'rep', 'ed', 'op', 'fig']);

const DOMAINS = new Set(['com', 'org', 'net', 'edu', 'gov', 'io', 'tv', 'uk', 'de', 'fr', 'ca', 'jp', 'info', 'biz']);

function isAbbreviation(chunk: string, isLast: boolean): boolean {
  // chunk ends with '.'
  const stem = chunk.slice(0, -1);
  if (/^[\p{L}]$/u.test(stem)) return true; // an initial: "j."
  if (/^(?:[\p{L}]\.)+[\p{L}]$/u.test(stem)) return true; // "u.s.", "c.h.o.", "i.e."
  if (ABBREV.has(stem)) return true;
  return !isLast && ABBREV_IF_NOT_LAST.has(stem);
}

function escapeSlashStar(chunk: string): string {
  // PTB escapes '/' and '*' (SST has "writer\/director", "\*\*\*"); already escaped stays.
  return chunk.replace(/\\?([/*])/g, '\\$1');
}

const INNER_SPLIT = /(\.{2,}|-{2,}|[;!?"()[\]{}]|,(?!\d)|(?<!\d),|:(?!\d)|(?<!\d):)/;
// Trailing punctuation that may follow an elision such as '70s or 'em.
const TRAILING_PUNCT = /[^\p{L}\p{N}']+$/u;

/** Open/closed state of straight double quotes across the text ("a " b " c"). */
interface QuoteState {
  open: boolean;
}

function splitChunk(chunk: string, isLast: boolean, q: QuoteState): string[] {
  if (chunk === '') return [];
  if (PROTECTED.has(chunk) || LEADING_ELISION.test(chunk)) return [chunk];
  const pre: string[] = [];
  const post: string[] = [];
  let c = chunk;
  for (;;) {
    if (c === '' || PROTECTED.has(c) || LEADING_ELISION.test(c)) break;
    let m: RegExpMatchArray | null;
    // ------------------------------------------------------------------ leading
    if (c === '"') {
      pre.push(q.open ? "''" : '``');
      q.open = !q.open;
      c = '';
      break;
    }
    if (c.startsWith('``') || c.startsWith("''")) { pre.push('``'); q.open = true; c = c.slice(2); continue; }
    if (c[0] === '"') { pre.push('``'); q.open = true; c = c.slice(1); continue; }
    if (c[0] === '`') { pre.push('`'); c = c.slice(1); continue; }
    if (c[0] === "'" && c.length > 1) {
      const core = c.replace(TRAILING_PUNCT, '');
      if (PROTECTED.has(core) || LEADING_ELISION.test(core)) {
        // an elision such as "'70s," - only its trailing punctuation is split off
      } else {
        pre.push('`'); c = c.slice(1); continue;
      }
    }
    if ((m = c.match(/^\.{2,}/))) { pre.push('...'); c = c.slice(m[0].length); continue; }
    if ((m = c.match(/^-{2,}/))) { pre.push('--'); c = c.slice(m[0].length); continue; }
    if ((m = c.match(/^[!?]+/))) { pre.push(m[0]); c = c.slice(m[0].length); continue; }
    if (c.length > 1 && BRACKETS.has(c[0])) { pre.push(BRACKETS.get(c[0]) as string); c = c.slice(1); continue; }
    if (c.length > 1 && /^[,;:$#%@&=+<>|~^]/.test(c)) { pre.push(c[0]); c = c.slice(1); continue; }
    // ----------------------------------------------------------------- trailing
    if (c.length > 2 && c.endsWith("''")) { post.unshift("''"); q.open = false; c = c.slice(0, -2); continue; }
    if (c.length > 1 && c.endsWith('"')) { post.unshift("''"); q.open = false; c = c.slice(0, -1); continue; }
    // g-dropping ("nothin'") keeps its apostrophe; otherwise a final ' is a closing quote
    // or a plural possessive, both a separate token in PTB.
    if (c.length > 1 && c.endsWith("'") && !/\p{L}in'$/u.test(c)) { post.unshift("'"); c = c.slice(0, -1); continue; }
    if (c.length > 1 && c.endsWith('`')) { post.unshift('`'); c = c.slice(0, -1); continue; }
    if ((m = c.match(/\.{2,}$/))) { post.unshift('...'); c = c.slice(0, -m[0].length); continue; }
    if ((m = c.match(/-{2,}$/))) { post.unshift('--'); c = c.slice(0, -m[0].length); continue; }
    if ((m = c.match(/[!?]+$/))) { post.unshift(m[0]); c = c.slice(0, -m[0].length); continue; }
    if (c.length > 1 && BRACKETS.has(c[c.length - 1])) { post.unshift(BRACKETS.get(c[c.length - 1]) as string); c = c.slice(0, -1); continue; }
    if (c.length > 1 && /[,;:%]$/.test(c)) { post.unshift(c[c.length - 1]); c = c.slice(0, -1); continue; }
    if (c.length > 1 && c.endsWith('.')) {
      if (isAbbreviation(c, isLast && post.length === 0)) break;
      post.unshift('.'); c = c.slice(0, -1); continue;
    }
    break;
  }
  return [...pre, ...splitMiddle(c, q), ...post];
}

function splitMiddle(c: string, q: QuoteState): string[] {
  if (c === '') return [];
  if (PROTECTED.has(c) || LEADING_ELISION.test(c)) return [c];
  // Inner separators: "word--word", "wait...what", "a,b", "end;then", "film(s)" ...
  const parts = c.split(INNER_SPLIT).filter((p) => p !== '');
  if (parts.length > 1) return parts.flatMap((p) => splitChunk(p, false, q));
  if (BRACKETS.has(c)) return [BRACKETS.get(c) as string];
  // A sentence period with the space missing ("great.the acting"); web domains and
  // abbreviations ("feardotcom.com", "mr.smith") stay whole.
  const dot = c.match(/^(\p{L}{2,})\.(\p{L}+)$/u);
  if (dot && !ABBREV.has(dot[1]) && !DOMAINS.has(dot[2])) {
    return [...splitMiddle(dot[1], q), '.', ...splitMiddle(dot[2], q)];
  }
  // Contractions, PTB style: "don't" -> do n't, "can't" -> ca n't, "it's" -> it 's.
  if (c.length > 3 && c.endsWith("n't")) return [...splitChunk(c.slice(0, -3), false, q), "n't"];
  for (const suf of CONTRACTION_SUFFIXES) {
    if (c.length > suf.length && c.endsWith(suf) && c[c.length - suf.length - 1] !== "'") {
      return [...splitChunk(c.slice(0, -suf.length), false, q), suf];
    }
  }
  if (c === 'cannot') return ['can', 'not'];
  return [escapeSlashStar(c)];
}

/**
 * Tokenize raw or pre-tokenized text with the `snnc-word-v1` rules (docs/tokenizer.md).
 * Deterministic and pure; returns [] for text without tokens.
 */
export function tokenize(text: string): string[] {
  const s = normalizeChars(text).trim();
  if (s === '') return [];
  const chunks = s.split(' ');
  const out: string[] = [];
  const q: QuoteState = { open: false };
  for (let i = 0; i < chunks.length; i++) out.push(...splitChunk(chunks[i], i === chunks.length - 1, q));
  return out;
}

// ---------------------------------------------------------------- vocabulary lookup

/**
 * Alias table of the fallback chain: a token missing from the vocabulary is looked up as
 * its alias. Chosen against the GloVe (wink) word list, which lacks clitics, PTB escapes,
 * "a", "i" and "..." (measured effect in docs/data.md).
 */
export const ALIASES: ReadonlyMap<string, string> = new Map(Object.entries({
  "n't": 'not', "'s": 'is', "'re": 'are', "'m": 'am', "'ll": 'will', "'ve": 'have', "'d": 'would',
  a: 'an', i: 'me',
  '...': '\u2026', '..': '\u2026', '--': '-',
  '-lrb-': '(', '-rrb-': ')', '-lsb-': '[', '-rsb-': ']', '-lcb-': '{', '-rcb-': '}',
  '``': '"', "''": '"', '\\/': '/', '\\*': '*',
  "'em": 'them', "'n'": 'and', "'n": 'and', "ol'": 'old', "o'": 'of', "'til": 'until', "'tis": 'it',
  "'twas": 'it', "'cause": 'because', "'bout": 'about', "'round": 'around', "c'mon": 'come',
  "o'clock": 'clock', 'u.s.': 'usa', 'u.s': 'usa',
}));

const NUMBER_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten',
  'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen',
  'nineteen', 'twenty',
];
const DECADE_WORDS: ReadonlyMap<string, string> = new Map(Object.entries({
  '20': 'twenties', '30': 'thirties', '40': 'forties', '50': 'fifties', '60': 'sixties',
  '70': 'seventies', '80': 'eighties', '90': 'nineties',
}));
const NUMBER_LIKE = /^\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?$/;

function stripDiacritics(t: string): string {
  return t.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC');
}

/** Steps 2-3 of the chain: alias, then spelling normalizations, each checked with `has`. */
function resolveVariant(t: string, has: (w: string) => boolean): string | null {
  const alias = ALIASES.get(t);
  if (alias !== undefined && has(alias)) return alias;
  const candidates: string[] = [];
  const plain = stripDiacritics(t);
  if (plain !== t) candidates.push(plain);
  if (/^[!?]{2,}$/.test(t)) candidates.push(t[0]);
  if (/^(?:\\?\*){2,}$/.test(t)) candidates.push('*');
  if (t.length > 1 && t.endsWith('.')) {
    const stem = t.slice(0, -1);
    candidates.push(stem);
    if (stem.includes('.')) candidates.push(stem.replace(/\./g, ''));
  }
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^'?(?:1[89]|20)?([2-9]0)'?s$/))) candidates.push(DECADE_WORDS.get(m[1]) as string);
  if ((m = t.match(/^(\p{L}{2,}in)'$/u))) candidates.push(`${m[1]}g`); // nothin' -> nothing
  if (/^'\p{L}/u.test(t)) candidates.push(t.slice(1));
  for (const c of candidates) {
    if (has(c)) return c;
    const a = ALIASES.get(c);
    if (a !== undefined && has(a)) return a;
  }
  return null;
}

function resolveNumber(t: string, has: (w: string) => boolean): string | null {
  if (!NUMBER_LIKE.test(t)) return null;
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n <= 20 && t.length <= 2 && has(NUMBER_WORDS[n])) return NUMBER_WORDS[n];
  }
  return has(NUM) ? NUM : null;
}

function resolveSimple(t: string, has: (w: string) => boolean): string | null {
  if (has(t)) return t;
  return resolveVariant(t, has) ?? resolveNumber(t, has);
}

/**
 * The fallback chain, shared by Vocab and by the vocabulary builder. Returns the vocabulary
 * entries `token` stands for, or null when it resolves to nothing (the caller emits <unk>).
 * Order: exact -> alias / normalizations -> compound split -> number -> null.
 * A compound part that does not resolve is returned as UNK.
 */
export function resolveToken(token: string, has: (w: string) => boolean): string[] | null {
  if (has(token)) return [token];
  const v = resolveVariant(token, has);
  if (v !== null) return [v];
  if (/\p{L}|\p{N}/u.test(token) && /-|\\\//.test(token)) {
    const parts = token.split(/-+|\\\//).filter((p) => p !== '');
    if (parts.length > 1) {
      const out = parts.map((p) => resolveSimple(p, has));
      if (out.some((p) => p !== null)) return out.map((p) => p ?? UNK);
    }
  }
  const n = resolveNumber(token, has);
  return n === null ? null : [n];
}

/** A token list where index = id; id 0 is <pad> and id 1 is <unk> (enforced). */
export class Vocab {
  readonly tokens: readonly string[];
  private readonly index: Map<string, number>;
  private readonly has: (w: string) => boolean;

  constructor(tokens: readonly string[]) {
    if (tokens.length < 2 || tokens[PAD_ID] !== PAD || tokens[UNK_ID] !== UNK) {
      throw new SnncError('SNN_E_EMBEDDINGS', `vocabulary must start with "${PAD}", "${UNK}"`, 'ids 0 and 1 are reserved');
    }
    const index = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (typeof t !== 'string' || t === '') fail('SNN_E_EMBEDDINGS', `vocabulary entry ${i} is empty`);
      if (index.has(t)) fail('SNN_E_EMBEDDINGS', `vocabulary entry "${t}" appears twice (ids ${index.get(t)} and ${i})`);
      index.set(t, i);
    });
    this.tokens = Object.freeze([...tokens]);
    this.index = index;
    this.has = (w) => index.has(w);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** All ids the token maps to (several for a split compound); [UNK_ID] when unknown. */
  idsOf(token: string): number[] {
    const r = resolveToken(token, this.has);
    if (r === null) return [UNK_ID];
    return r.map((w) => this.index.get(w) ?? UNK_ID);
  }

  /** The id of a token that maps to exactly one entry; UNK_ID otherwise (see idsOf). */
  idOf(token: string): number {
    const ids = this.idsOf(token);
    return ids.length === 1 ? ids[0] : UNK_ID;
  }

  encode(tokens: readonly string[]): number[] {
    const out: number[] = [];
    for (const t of tokens) out.push(...this.idsOf(t));
    return out;
  }
}

// ---------------------------------------------------------------------- text input

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Locate the first invalid UTF-8 sequence (TextDecoder does not report where it failed). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const x = b[i];
    let n = 0;
    let min = 0;
    if (x < 0x80) { i++; continue; }
    else if (x >= 0xc2 && x <= 0xdf) { n = 1; min = 0x80; }
    else if (x >= 0xe0 && x <= 0xef) { n = 2; min = 0x800; }
    else if (x >= 0xf0 && x <= 0xf4) { n = 3; min = 0x10000; }
    else return i;
    let cp = x & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const y = b[i + k];
      if (y === undefined || (y & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (y & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/** Strict UTF-8 decoding of input text; invalid bytes raise SNN_E_INPUT with the offset. */
export function decodeText(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const where = at >= 0 ? ` at byte offset ${at} (0x${bytes[at].toString(16).padStart(2, '0')})` : '';
    throw new SnncError('SNN_E_INPUT', `input text is not valid UTF-8${where}`, 'send UTF-8 encoded text');
  }
}

/** Tokenize and encode one input; at most `maxLen` ids (the first ones). */
export function textToIds(text: string, vocab: Vocab, maxLen: number): number[] {
  if (!Number.isInteger(maxLen) || maxLen < 1) fail('SNN_E_INPUT', `maxLen must be a positive integer, got ${maxLen}`);
  if (text.trim() === '') fail('SNN_E_INPUT', 'input text is empty', 'send at least one word');
  const tokens = tokenize(text);
  if (tokens.length === 0) fail('SNN_E_INPUT', 'input text contains no tokens', 'send at least one word');
  return vocab.encode(tokens).slice(0, maxLen);
}
