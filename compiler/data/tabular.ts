// Generic loaders for user data sets: CSV (RFC 4180 quoting), TSV and JSON Lines, with a
// chosen text column and label column. String labels become class indices in sorted order
// (numeric order when every label is an integer) or in first-seen order.

import { extname, basename } from 'node:path';
import { fail } from '../../core/errors.js';
import { readTextFile, type FileEncoding } from './text-file.js';
import type { Example } from './types.js';

export interface TableOptions {
  /** Default: from the extension (.csv, .tsv/.tab, .jsonl/.ndjson). */
  format?: 'csv' | 'tsv' | 'jsonl';
  /** Text column: header name (or JSON key), or 0-based index. */
  text: string | number;
  /** Label column: header name (or JSON key), or 0-based index. */
  label: string | number;
  /** CSV/TSV: the first record is a header. Default: true if a column is given by name. */
  header?: boolean;
  /** CSV/TSV: honour double quotes. Default: true for CSV, false for TSV. */
  quoted?: boolean;
  /** Fixed class list; a label outside it is SNN_E_DATA. Overrides labelOrder. */
  classes?: string[];
  /** How discovered labels are numbered; default 'sorted'. */
  labelOrder?: 'sorted' | 'first-seen';
}

export interface TableData {
  examples: Example[];
  classes: string[];
  encoding: FileEncoding;
}

export interface DelimitedRecord {
  fields: string[];
  line: number;
}

/**
 * RFC 4180 records: fields separated by `delimiter`, records by \n or \r\n; a quoted field
 * may hold delimiters, newlines and doubled quotes (""). Blank lines are not records.
 */
export function parseDelimited(text: string, delimiter: string, quoted: boolean, file = 'input'): DelimitedRecord[] {
  const out: DelimitedRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let i = 0;
  let inQuotes = false;
  let wasQuoted = false;
  const endField = (): void => {
    fields.push(field);
    field = '';
    wasQuoted = false;
  };
  const endRecord = (): void => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) out.push({ fields, line: start });
    fields = [];
  };
  while (i < text.length) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        inQuotes = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
          fail('SNN_E_DATA', `${file}:${line}: text after a closing quote`, 'quote the whole field and double inner quotes ("")');
        }
        continue;
      }
      if (ch === '\n') line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && quoted && field === '' && !wasQuoted) { inQuotes = true; wasQuoted = true; i++; continue; }
    if (ch === delimiter) { endField(); i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (ch === '\n') { endRecord(); line++; start = line; i++; continue; }
    if (ch === '"' && quoted) {
      fail('SNN_E_DATA', `${file}:${line}: stray quote inside an unquoted field`, 'quote the whole field and double inner quotes ("")');
    }
    field += ch;
    i++;
  }
  if (inQuotes) fail('SNN_E_DATA', `${file}:${start}: quoted field is never closed`, 'check for a missing closing quote');
  if (field !== '' || fields.length > 0) endRecord();
  return out;
}

function columnIndex(col: string | number, header: string[] | null, file: string, what: string): number {
  if (typeof col === 'number') {
    if (!Number.isInteger(col) || col < 0) fail('SNN_E_DATA', `${file}: ${what} column ${col} is not a valid index`);
    return col;
  }
  if (!header) return fail('SNN_E_DATA', `${file}: ${what} column "${col}" given by name but the file has no header`, 'set header: true or use an index');
  const i = header.indexOf(col);
  if (i < 0) fail('SNN_E_DATA', `${file}: no ${what} column "${col}" (columns: ${header.join(', ')})`);
  return i;
}

function labelText(v: unknown, file: string, line: number): string {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return fail('SNN_E_DATA', `${file}:${line}: missing or unusable label ${JSON.stringify(v)}`);
}

/** Number string labels; see TableOptions.labelOrder. */
export function assignClasses(labels: readonly string[], opts: { classes?: string[]; labelOrder?: 'sorted' | 'first-seen' }): string[] {
  if (opts.classes) return opts.classes.slice();
  const seen = [...new Set(labels)];
  if ((opts.labelOrder ?? 'sorted') === 'first-seen') return seen;
  if (seen.every((l) => /^-?\d+$/.test(l))) return seen.sort((a, b) => Number(a) - Number(b));
  // Code-unit order, not localeCompare: identical on every machine and locale.
  return seen.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Load a CSV, TSV or JSONL file into examples and a class list. */
export function loadTable(path: string, opts: TableOptions): TableData {
  const file = basename(path);
  const ext = extname(path).toLowerCase();
  const format = opts.format ?? (ext === '.csv' ? 'csv' : ext === '.tsv' || ext === '.tab' ? 'tsv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : undefined);
  if (!format) return fail('SNN_E_DATA', `${file}: cannot tell the format from "${ext}"`, 'pass format: csv | tsv | jsonl');
  const { text, encoding } = readTextFile(path);
  const rows: { text: unknown; label: unknown; line: number }[] = [];

  if (format === 'jsonl') {
    text.split(/\r?\n/).forEach((raw, i) => {
      if (raw.trim() === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(raw);
      } catch (e) {
        fail('SNN_E_DATA', `${file}:${i + 1}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
      }
      if (obj === null || typeof obj !== 'object') fail('SNN_E_DATA', `${file}:${i + 1}: a line must be a JSON object or array`);
      const rec = obj as Record<string | number, unknown>;
      // Own properties only: a key such as "constructor" must not reach Object.prototype.
      const t = Object.hasOwn(rec, opts.text) ? rec[opts.text] : undefined;
      const l = Object.hasOwn(rec, opts.label) ? rec[opts.label] : undefined;
      if (t === undefined) fail('SNN_E_DATA', `${file}:${i + 1}: no text field ${JSON.stringify(opts.text)}`);
      if (l === undefined) fail('SNN_E_DATA', `${file}:${i + 1}: no label field ${JSON.stringify(opts.label)}`);
      rows.push({ text: t, label: l, line: i + 1 });
    });
  } else {
    const records = parseDelimited(text, format === 'csv' ? ',' : '\t', opts.quoted ?? format === 'csv', file);
    const header = opts.header ?? (typeof opts.text === 'string' || typeof opts.label === 'string');
    const names = header && records.length > 0 ? records[0].fields.map((f) => f.trim()) : null;
    const ti = columnIndex(opts.text, names, file, 'text');
    const li = columnIndex(opts.label, names, file, 'label');
    const width = names ? names.length : records.length > 0 ? records[0].fields.length : 0;
    for (const r of header ? records.slice(1) : records) {
      if (r.fields.length !== width) {
        fail('SNN_E_DATA', `${file}:${r.line}: ${r.fields.length} fields, expected ${width}`, 'quote fields that contain the delimiter');
      }
      if (ti >= width || li >= width) fail('SNN_E_DATA', `${file}:${r.line}: column index out of range (${width} columns)`);
      rows.push({ text: r.fields[ti], label: r.fields[li], line: r.line });
    }
  }

  const labels = rows.map((r) => labelText(r.label, file, r.line));
  const classes = assignClasses(labels, opts);
  const index = new Map(classes.map((c, i) => [c, i]));
  const examples = rows.map((r, k) => {
    if (typeof r.text !== 'string') fail('SNN_E_DATA', `${file}:${r.line}: text is not a string`);
    const label = index.get(labels[k]);
    if (label === undefined) fail('SNN_E_DATA', `${file}:${r.line}: label "${labels[k]}" is not one of ${classes.join(', ')}`);
    return { text: r.text, label };
  });
  return { examples, classes, encoding };
}
