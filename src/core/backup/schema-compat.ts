// Which database schemas the pinned Synapse image can run (synapse/storage/schema/__init__.py).
// A database whose schema_compat_version is above the image's SCHEMA_VERSION is refused at start.

/** SCHEMA_VERSION per Synapse release line, from upstream tags (reference/synapse-ops-facts.md §2). */
const SCHEMA_BY_MINOR: readonly (readonly [minFrom: number, schema: number])[] = [
  [151, 94],
  [143, 93],
  [129, 92],
];

/** The SCHEMA_VERSION of a Synapse image tag like `...synapse:v1.160.0`, when known. */
export function imageSchemaVersion(image: string): number | undefined {
  const m = /:v?1\.(\d+)\.\d+/.exec(image);
  if (m === null) return undefined;
  const minor = Number(m[1]);
  for (const [from, schema] of SCHEMA_BY_MINOR) if (minor >= from) return schema;
  return undefined;
}

export type SchemaVerdict = { ok: true; detail: string } | { ok: false; detail: string };

export function judgeSchema(db: { version: number; compat: number }, image: string): SchemaVerdict {
  const code = imageSchemaVersion(image);
  if (code === undefined)
    return {
      ok: true,
      detail: `schema ${db.version} (compat ${db.compat}); the image ${image} is not in mxctl's table, not checked`,
    };
  if (db.compat > code) {
    return {
      ok: false,
      detail: `the backup's database needs a Synapse with schema >= ${db.compat}; the pinned image (${image}) has schema ${code}`,
    };
  }
  return { ok: true, detail: `schema ${db.version} (compat ${db.compat}) runs on the pinned image (schema ${code})` };
}
