// Records of user data files, streamed: CSV (RFC 4180, parsed by the csv-parse library), TSV,
// JSON Lines, and plain lines (`<label> <sentence>` when labels are wanted, else one text a
// line). A record is a text, optionally a label, and the line it starts on. `loadTable` reads
// a whole labelled file and numbers its string labels (compiler/data/labels.ts).

import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { parse as csvParse, type CsvError } from 'csv-parse';
import { fail, SnncError } from '../../core/errors.js';
import { linesOf, openText, type ErrorCode, type TextSource } from './text-stream.js';
import { numberLabels, type LabelOptions } from './labels.js';
import type { FileEncoding } from './text-file.js';
import type { Example } from './types.js';

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'lines';
export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'tsv', 'jsonl', 'lines'];

export interface RecordOptions {
  /** Default: from the extension (.csv; .tsv/.tab; .jsonl/.ndjson; anything else: lines). */
  format?: DataFormat;
  /** Text column: header name (JSON key) or 0-based index. Default 'text'. */
  text?: string | number;
  /** Label column, as `text`; default 'label'. null: records without labels (prediction). */
  label?: string | number | null;
  /** CSV/TSV: the first record is a header. Default: true when a column is named, false when all are indices. */
  header?: boolean;
  /** TSV: honour double quotes. Default false (CSV always does). */
  quoted?: boolean;
  /** Error code of bad input: SNN_E_DATA for data sets (default), SNN_E_INPUT for prediction. */
  code?: ErrorCode;
}

export interface DataRecord {
  text: string;
  /** The label as written (trimmed); undefined when labels were not asked for. */
  label?: string;
  /** 1-based line the record starts on. */
  line: number;
}

/** The format of a data file: `given`, else from its extension; other extensions are plain lines. */
export function formatOf(path: string, given?: string): DataFormat {
  if (given !== undefined) {
    if (!(DATA_FORMATS as readonly string[]).includes(given)) fail('SNN_E_USAGE', `unknown data format "${given}"`, `use one of ${DATA_FORMATS.join(', ')}`);
    return given as DataFormat;
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'lines';
}

/** "12" -> 12 (a 0-based column index); anything else stays a column name. */
export function columnArg(v: unknown): string | number | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  return /^\d+$/.test(s) ? Number(s) : s;
}

function columnIndex(col: string | number, header: string[] | null, file: string, line: number, what: string, code: ErrorCode): number {
  if (typeof col === 'number') return col;
  if (!header) return fail(code, `${file}: ${what} column "${col}" is named, but the file has no header`, `give the column as a 0-based index (--${what}-col 1) or add a header line`);
  const i = header.indexOf(col);
  if (i < 0) fail(code, `${file}:${line}: no ${what} column "${col}" (the header has ${header.map((h) => JSON.stringify(h)).join(', ')})`, `pass --${what}-col with one of them, by name or 0-based index`);
  return i;
}

function labelText(v: unknown, file: string, line: number, code: ErrorCode): string {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return fail(code, `${file}:${line}: empty or unusable label ${JSON.stringify(v ?? null)}`, 'every example needs a label');
}

function csvFail(file: string, e: CsvError, lastEnd: number, code: ErrorCode): never {
  const line = (e as CsvError & { lines?: number }).lines ?? lastEnd + 1;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return fail(code, `${file}:${lastEnd + 1}: a quoted field that starts in this record is never closed (the file ends at line ${line})`, 'look for a missing closing quote "');
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return fail(code, `${file}:${line}: ${e.message.replace(/ on line \d+$/, '')}`, 'quote fields that contain the delimiter, "like, this"');
    case 'INVALID_OPENING_QUOTE':
      return fail(code, `${file}:${line}: a quote inside an unquoted field`, 'quote the whole field and double inner quotes: "say ""hi"""');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return fail(code, `${file}:${line}: text after a closing quote`, 'quote the whole field and double inner quotes: "say ""hi"""');
    default:
      return fail(code, `${file}:${line}: ${e.message}`);
  }
}

async function* delimitedRecords(src: TextSource, format: 'csv' | 'tsv', o: RecordOptions): AsyncGenerator<DataRecord> {
  const code = o.code ?? 'SNN_E_DATA';
  const textCol = o.text ?? 'text';
  const labelCol = o.label === undefined ? 'label' : o.label;
  const header = o.header ?? (typeof textCol === 'string' || typeof labelCol === 'string');
  // Lines are split by linesOf (CRLF, LF or CR-only, one rule for every format) and handed
  // on with \n, so csv-parse's line numbers are ours; a quoted field keeps its inner breaks as \n.
  async function* normalized(): AsyncGenerator<string> {
    let batch: string[] = [];
    for await (const l of linesOf(src.chunks)) {
      batch.push(l.text, '\n');
      if (batch.length >= 512) {
        yield batch.join('');
        batch = [];
      }
    }
    if (batch.length) yield batch.join('');
  }
  const quoted = format === 'csv' || o.quoted === true;
  let parsedTo = 0;
  const parser = csvParse({
    delimiter: format === 'csv' ? ',' : '\t',
    quote: quoted ? '"' : false,
    record_delimiter: '\n',
    skip_empty_lines: true,
    relax_column_count: false,
    info: true,
    // called as each record is parsed (before the consumer sees it): where the next record starts
    on_record: (rec: string[], ctx: { lines: number }) => {
      parsedTo = ctx.lines;
      return rec;
    },
  });
  Readable.from(normalized()).on('error', (e) => parser.destroy(e)).pipe(parser);
  let names: string[] | null = null;
  let ti = -1;
  let li = -1;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const end = r.info.lines;
      const inner = r.record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
      const line = end - inner;
      if (header && names === null) {
        names = r.record.map((f) => f.trim());
        ti = columnIndex(textCol, names, src.name, line, 'text', code);
        li = labelCol === null ? -1 : columnIndex(labelCol, names, src.name, line, 'label', code);
        continue;
      }
      if (ti < 0) {
        ti = columnIndex(textCol, null, src.name, line, 'text', code);
        li = labelCol === null ? -1 : columnIndex(labelCol, null, src.name, line, 'label', code);
      }
      const width = r.record.length;
      for (const [i, what] of [[ti, 'text'], [li, 'label']] as const) {
        if (i >= width) fail(code, `${src.name}:${line}: no ${what} column ${i} (the row has ${width} fields, numbered from 0)`, `pass --${what}-col with an index below ${width}`);
      }
      yield { text: r.record[ti], ...(li >= 0 ? { label: labelText(r.record[li], src.name, line, code) } : {}), line };
    }
  } catch (e) {
    if (e instanceof SnncError) throw e;
    const ce = e as CsvError;
    if (typeof ce.code === 'string' && (ce.code.startsWith('CSV_') || ce.code.startsWith('INVALID_'))) csvFail(src.name, ce, parsedTo, code);
    throw e;
  } finally {
    parser.destroy();
  }
  if (header && names === null) fail(code, `${src.name}: no header line (the file holds only blank lines)`);
}

async function* jsonlRecords(src: TextSource, o: RecordOptions): AsyncGenerator<DataRecord> {
  const code = o.code ?? 'SNN_E_DATA';
  const textKey = o.text ?? 'text';
  const labelKey = o.label === undefined ? 'label' : o.label;
  for await (const { text: raw, line } of linesOf(src.chunks)) {
    if (raw.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (e) {
      fail(code, `${src.name}:${line}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'one JSON object a line, e.g. {"text": "...", "label": "positive"}');
    }
    if (obj === null || typeof obj !== 'object') fail(code, `${src.name}:${line}: a line must be a JSON object or array`);
    const rec = obj as Record<string | number, unknown>;
    // own properties only: a key such as "constructor" must not reach Object.prototype
    const get = (k: string | number): unknown => (Object.hasOwn(rec, k) ? rec[k] : undefined);
    const t = get(textKey);
    if (t === undefined) fail(code, `${src.name}:${line}: no text field ${JSON.stringify(textKey)}`, 'pass --text-col with the key that holds the text');
    if (typeof t !== 'string') fail(code, `${src.name}:${line}: the text field ${JSON.stringify(textKey)} is not a string`);
    if (labelKey === null) {
      yield { text: t, line };
      continue;
    }
    const l = get(labelKey);
    if (l === undefined) fail(code, `${src.name}:${line}: no label field ${JSON.stringify(labelKey)}`, 'pass --label-col with the key that holds the label');
    yield { text: t, label: labelText(l, src.name, line, code), line };
  }
}

async function* lineRecords(src: TextSource, o: RecordOptions): AsyncGenerator<DataRecord> {
  const code = o.code ?? 'SNN_E_DATA';
  for await (const { text: raw, line } of linesOf(src.chunks)) {
    if (raw.trim() === '') continue;
    if (o.label === null) {
      yield { text: raw, line };
      continue;
    }
    const m = raw.match(/^\s*(\S+)(?:[ \t]+(.*))?$/s) as RegExpMatchArray;
    yield { text: (m[2] ?? '').trim(), label: m[1], line };
  }
}

/** The records of an opened source, streamed. */
export function recordsOf(src: TextSource, format: DataFormat, o: RecordOptions = {}): AsyncGenerator<DataRecord> {
  if (format === 'csv' || format === 'tsv') return delimitedRecords(src, format, o);
  if (format === 'jsonl') return jsonlRecords(src, o);
  return lineRecords(src, o);
}

/** Opens `path` ("-": standard input) and streams its records. */
export async function readRecords(path: string, o: RecordOptions = {}): Promise<{ source: TextSource; format: DataFormat; records: AsyncGenerator<DataRecord> }> {
  const format = formatOf(path, o.format);
  const source = await openText(path, o.code ?? 'SNN_E_DATA');
  return { source, format, records: recordsOf(source, format, o) };
}

export interface TableOptions extends Omit<RecordOptions, 'label' | 'code'>, LabelOptions {
  /** Label column (name or index); default 'label'. */
  label?: string | number;
}

export interface TableData {
  file: string;
  format: DataFormat;
  encoding: FileEncoding;
  examples: Example[];
  classes: string[];
  /** 1-based line of each example. */
  lines: number[];
}

/**
 * Reads a whole labelled file (CSV, TSV, JSONL or `<label> <sentence>` lines). Every example
 * needs a non-empty text and label (else SNN_E_DATA with file and line); labels become class
 * indices as `numberLabels` decides (sorted names, or a model's classes).
 */
export async function loadTable(path: string, o: TableOptions = {}): Promise<TableData> {
  const { source, format, records } = await readRecords(path, { ...o, label: o.label ?? 'label', code: 'SNN_E_DATA' });
  const texts: string[] = [];
  const labels: string[] = [];
  const lines: number[] = [];
  for await (const r of records) {
    if (r.text.trim() === '') fail('SNN_E_DATA', `${source.name}:${r.line}: empty text (label ${JSON.stringify(r.label)})`, 'every example needs a text; remove the line');
    texts.push(r.text);
    labels.push(r.label as string);
    lines.push(r.line);
  }
  if (texts.length === 0) {
    fail('SNN_E_DATA', `${source.name}: no examples (${format === 'csv' || format === 'tsv' ? 'only a header' : 'only blank lines'})`, 'a data file needs one labelled text a line');
  }
  const { classes, index } = numberLabels(labels, lines, source.name, o);
  return { file: source.name, format, encoding: source.encoding, examples: texts.map((text, i) => ({ text, label: index[i] })), classes, lines };
}
