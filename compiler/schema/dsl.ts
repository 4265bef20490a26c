// The one way snnc declares what a file may hold: JSON Schema (draft 7, validated by ajv),
// written with the small builders below so every format's schema reads like its table in
// docs/formats.md. Each loader runs its schema before it trusts a single field; a rejection
// is an SnncError with the format's stable code and the path of the offending field.
//
// Why ajv and not zod: the artifact schema must also run in the browser-safe wasm host and in
// the self-contained Raspberry Pi bundle, which import no package. ajv compiles a schema into
// dependency-free standalone code (runtime/wasm/artifact-schema.gen.ts, no eval at run time,
// so it also passes a strict Content-Security-Policy); zod would have to ship in both.

import { Ajv, type ValidateFunction } from 'ajv';
import { fail, type ErrorCode } from '../../core/errors.js';
import { firstError } from '../../runtime/schema-errors.js';

export type Schema = Record<string, unknown>;

/** A property that may be absent: obj() leaves it out of `required`. */
export interface Optional {
  optional: Schema;
}
export const opt = (s: Schema): Optional => ({ optional: s });

export const str = (o: { min?: number; max?: number; pattern?: string } = {}): Schema => ({
  type: 'string',
  ...(o.min !== undefined ? { minLength: o.min } : {}),
  ...(o.max !== undefined ? { maxLength: o.max } : {}),
  ...(o.pattern !== undefined ? { pattern: o.pattern } : {}),
});
/** A non-empty string. */
export const name = (): Schema => str({ min: 1 });
export const int = (min?: number, max?: number): Schema => ({
  type: 'integer',
  ...(min !== undefined ? { minimum: min } : {}),
  ...(max !== undefined ? { maximum: max } : {}),
});
/** A finite number; `gt` / `lt` are exclusive bounds, `min` / `max` inclusive. */
export const num = (o: { gt?: number; lt?: number; min?: number; max?: number } = {}): Schema => ({
  type: 'number',
  ...(o.gt !== undefined ? { exclusiveMinimum: o.gt } : {}),
  ...(o.lt !== undefined ? { exclusiveMaximum: o.lt } : {}),
  ...(o.min !== undefined ? { minimum: o.min } : {}),
  ...(o.max !== undefined ? { maximum: o.max } : {}),
});
export const bool = (): Schema => ({ type: 'boolean' });
export const oneOf = <T extends string | number | boolean>(...values: T[]): Schema => ({ enum: values });
export const constant = (value: string | number | boolean): Schema => ({ const: value });
export const arr = (items: Schema, o: { min?: number; max?: number; unique?: boolean } = {}): Schema => ({
  type: 'array',
  items,
  ...(o.min !== undefined ? { minItems: o.min } : {}),
  ...(o.max !== undefined ? { maxItems: o.max } : {}),
  ...(o.unique ? { uniqueItems: true } : {}),
});
/** Any JSON object (free-form blocks such as provenance). */
export const anyObject = (): Schema => ({ type: 'object' });
export const obj = (props: Record<string, Schema | Optional>, extra: Schema = {}): Schema => {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if ('optional' in v && Object.keys(v).length === 1) properties[k] = (v as Optional).optional;
    else {
      properties[k] = v as Schema;
      required.push(k);
    }
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), ...extra };
};
/** One of several object shapes told apart by a string field (e.g. a node's `kind`). */
export const tagged = (tag: string, variants: Record<string, Record<string, Schema | Optional>>): Schema => ({
  type: 'object',
  required: [tag],
  discriminator: { propertyName: tag },
  oneOf: Object.entries(variants).map(([value, props]) => obj({ [tag]: constant(value), ...props })),
});

/** ajv options shared by the in-process validators and the generated standalone one. */
export const AJV_OPTIONS = {
  strict: true,
  strictRequired: false,
  discriminator: true,
  allErrors: false,
} as const;

const ajv = new Ajv(AJV_OPTIONS);
export function compileSchema(schema: Schema): ValidateFunction {
  return ajv.compile(schema);
}

/**
 * Runs a compiled schema; on failure throws `code` (or the code `codeFor` picks from the field
 * path) with "what: field F must ...".
 */
export function check<T>(validate: ValidateFunction, data: unknown, what: string, code: ErrorCode | ((path: string) => ErrorCode), hint?: string): T {
  if (validate(data)) return data as T;
  const e = firstError(validate.errors, data);
  fail(typeof code === 'function' ? code(e.path) : code, `${what}: field ${e.field} ${e.message}`, hint);
}
