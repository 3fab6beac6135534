// Options objects under `exactOptionalPropertyTypes`: an absent flag must be an absent key, not
// a key holding undefined. This drops the undefined ones, so callers need no `...(x === undefined
// ? {} : { x })` per field.

export type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

export function definedOnly<T extends Record<string, unknown>>(o: T): Defined<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Defined<T>;
}
