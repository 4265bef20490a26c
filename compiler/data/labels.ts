// Class names of user data: which order string labels get when a model is trained from a
// file (recorded in the .snn model's meta.classes), and how a file's labels are checked
// against a trained model's classes.

import { fail } from '../../core/errors.js';

export interface LabelOptions {
  /** A model's class names: the labels must be among them (or be 0-based class indices). */
  classes?: readonly string[];
  /** Where `classes` come from, for messages. Default 'the model'. */
  classesFrom?: string;
  /** How labels found in the file are ordered when `classes` is not given. Default 'sorted'. */
  labelOrder?: 'sorted' | 'first-seen';
}

const INTEGER = /^-?\d+$/;

/**
 * Class names in a deterministic order: numeric when every label is an integer ("2" < "10"),
 * else by UTF-16 code units (locale-free, so the same on every machine); or first-seen order.
 */
export function assignClasses(labels: Iterable<string>, order: 'sorted' | 'first-seen' = 'sorted'): string[] {
  const seen = [...new Set(labels)];
  if (order === 'first-seen') return seen;
  if (seen.every((l) => INTEGER.test(l))) return seen.sort((a, b) => Number(a) - Number(b));
  return seen.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Class indices of `labels`. Without `classes`, the file's own labels in `assignClasses`
 * order. With a model's `classes`: by name; a file whose labels are all integers in
 * [0, classes) is read as class indices when none of the model's names is an integer (so a
 * `<label> <sentence>` corpus file with 0/1 labels evaluates a model whose classes are
 * negative/positive). Any other label is SNN_E_DATA naming every unknown label.
 */
export function numberLabels(labels: readonly string[], lines: readonly number[], file: string, o: LabelOptions = {}): { classes: string[]; index: number[] } {
  if (o.classes === undefined) {
    const classes = assignClasses(labels, o.labelOrder);
    const at = new Map(classes.map((c, i) => [c, i]));
    return { classes, index: labels.map((l) => at.get(l) as number) };
  }
  const classes = o.classes.slice();
  const at = new Map(classes.map((c, i) => [c, i]));
  const unknown = new Map<string, { first: number; count: number }>();
  labels.forEach((l, i) => {
    if (at.has(l)) return;
    const u = unknown.get(l);
    if (u) u.count++;
    else unknown.set(l, { first: lines[i], count: 1 });
  });
  if (unknown.size === 0) return { classes, index: labels.map((l) => at.get(l) as number) };
  const asIndex = !classes.some((c) => INTEGER.test(c)) && labels.every((l) => INTEGER.test(l) && Number(l) >= 0 && Number(l) < classes.length);
  if (asIndex) return { classes, index: labels.map(Number) };
  const list = [...unknown].slice(0, 10).map(([l, u]) => `"${l}" (line ${u.first}${u.count > 1 ? `, ${u.count} lines` : ''})`);
  return fail(
    'SNN_E_DATA',
    `${file}: label${unknown.size > 1 ? 's' : ''} not in ${o.classesFrom ?? 'the model'}: ${list.join(', ')}${unknown.size > 10 ? `, and ${unknown.size - 10} more` : ''}; its classes are ${classes.join(', ')}`,
    o.classesFrom === undefined ? 'evaluate on data labelled with the model\'s class names (or their 0-based indices), or train a model on this file' : 'every label of the dev and test files must occur in the training file',
  );
}
