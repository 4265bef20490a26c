// CLI flags shared by every command that reads a user's data file (train --data, eval --data,
// compile --calibrate, predict --input): format and columns (compiler/data/user-data.ts).

import type { OptionSpec } from './spec.js';

export const formatFlag: OptionSpec = { flags: '--format <fmt>', description: 'data file format: csv | tsv | jsonl | lines (default: from the extension; other extensions are lines)', choices: ['csv', 'tsv', 'jsonl', 'lines'] };
export const textColFlag: OptionSpec = { flags: '--text-col <col>', description: 'CSV/TSV/JSONL column of the text: header name or 0-based index (default: text)' };
export const labelColFlag: OptionSpec = { flags: '--label-col <col>', description: 'CSV/TSV/JSONL column of the label: header name or 0-based index (default: label)' };

/** --format, --text-col, --label-col. */
export const dataFileFlags: OptionSpec[] = [formatFlag, textColFlag, labelColFlag];
