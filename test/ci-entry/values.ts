/** Reading parsed YAML (a CI config) without trusting its shape. */
export type Obj = Record<string, unknown>;
export const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asMap = (v: unknown): Obj => (isMap(v) ? v : {});
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Every string in a value, recursively. */
export function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (isMap(value)) for (const v of Object.values(value)) strings(v, out);
  return out;
}
