// Types from the backend's OpenAPI document (src/api/schema.d.ts, `npm run gen:api` from openapi/v2.json).
import type { components } from './schema';

type Schemas = components['schemas'];

/**
 * .NET declares every number as `number | string` (its JSON reader accepts both) but always writes JSON numbers:
 * narrowed to number here, recursively. Everything else is kept as the document says.
 */
export type Narrow<T> = number extends T
  ? Exclude<T, string>
  : T extends (infer U)[]
    ? Narrow<U>[]
    : T extends object
      ? { [K in keyof T]: Narrow<T[K]> }
      : T;

export type ApiSchema<K extends keyof Schemas> = Narrow<Schemas[K]>;
