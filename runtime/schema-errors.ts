// Turns a JSON Schema validator's first error (ajv's error objects, from the in-process
// validators in compiler/schema/ or the generated standalone one the wasm host runs) into one
// sentence naming the field by its path. Browser-safe: no imports.

/** The part of an ajv error object snnc reads. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: object;
  message?: string;
}

/** `/model/graph/nodes/3/beta` -> `model.graph.nodes[3].beta`, plus the node id when the path runs through a node. */
export function describePath(data: unknown, instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  let at: unknown = data;
  let node = '';
  for (const p of parts) {
    const index = Array.isArray(at) && /^\d+$/.test(p);
    out += index ? `[${p}]` : out ? `.${p}` : p;
    at = at && typeof at === 'object' ? (at as Record<string, unknown>)[p] : undefined;
    if (index && at && typeof at === 'object' && typeof (at as { id?: unknown }).id === 'string') node = (at as { id: string }).id;
  }
  return (out || '(top level)') + (node ? ` (node "${node}")` : '');
}

function explain(e: SchemaError): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `misses the required field "${p.missingProperty}"`;
    case 'enum':
      return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'uniqueItems':
      return `repeats item ${Math.min(Number(p.i), Number(p.j))}`;
    case 'discriminator':
      return p.error === 'mapping' ? `has an unknown ${p.tag} ${JSON.stringify(p.tagValue)}` : `needs a string "${p.tag}"`;
    default:
      return e.message ?? e.keyword;
  }
}

/** The first error of a failed validation as one sentence: field path, what it holds, what it must be. */
export function firstError(errors: readonly SchemaError[] | null | undefined, data: unknown): { path: string; field: string; message: string } {
  const e = errors?.[0];
  if (!e) return { path: '', field: '(top level)', message: 'is invalid' };
  const p = e.params as { missingProperty?: string; i?: number; j?: number };
  // a missing field and a duplicate item are named by their own path, not their container's
  const path = e.keyword === 'required' ? `${e.instancePath}/${p.missingProperty}` : e.keyword === 'uniqueItems' ? `${e.instancePath}/${Math.max(Number(p.i), Number(p.j))}` : e.instancePath;
  const field = describePath(data, path);
  const value = e.keyword === 'required' ? undefined : valueAt(data, path);
  const shown = value === undefined || e.keyword === 'required' ? '' : ` (it holds ${preview(value)})`;
  return { path, field, message: `${explain(e)}${shown}` };
}

function valueAt(data: unknown, instancePath: string): unknown {
  let at = data;
  for (const p of instancePath.split('/').slice(1)) at = at && typeof at === 'object' ? (at as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return at;
}

function preview(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? String(v);
  const s = JSON.stringify(v);
  return s.length > 60 ? `${Array.isArray(v) ? 'an array' : 'an object'}` : s;
}

