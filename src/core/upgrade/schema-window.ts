// The schema window of a Synapse upgrade or rollback (reference/wave2-facts.md §2c, step 5).
// Synapse refuses, on start, a database whose schema_compat_version is above its own
// SCHEMA_VERSION ("too new for the server to understand"); an image whose SCHEMA_VERSION is above
// the database's migrates it, and writes its own SCHEMA_COMPAT_VERSION first. So: the target can
// run the database iff db.compat ≤ target.version, and going back to the old image needs no
// database restore iff the compat the database will have afterwards ≤ old.version. Pure.

/** A schema version and the oldest schema a server may run it with. */
export interface SchemaPair {
  version: number;
  compat: number;
}

export interface SchemaWindowInput {
  /** The database's schema_version / schema_compat_version (undefined: never set up by Synapse). */
  db: SchemaPair | undefined;
  /** The image running now (its SCHEMA_VERSION / SCHEMA_COMPAT_VERSION). */
  current: SchemaPair;
  /** The image to move to. */
  target: SchemaPair;
}

export type SchemaWindow =
  | { ok: false; reason: string }
  | {
      ok: true;
      /** The target runs migrations on start. */
      migrates: boolean;
      /** The database's compat after the target has started once. */
      compatAfter: number;
      /** Going back to the current image afterwards needs the pre-upgrade backup restored. */
      rollbackNeedsRestore: boolean;
      summary: string;
    };

export function judgeSchemaWindow(w: SchemaWindowInput): SchemaWindow {
  const db = w.db ?? w.current;
  if (db.compat > w.target.version)
    return {
      ok: false,
      reason: `the database is at schema ${db.version} (compat ${db.compat}); the target image understands schemas up to ${w.target.version} only, so it would refuse to start`,
    };
  const migrates = w.target.version > db.version;
  const compatAfter = migrates ? Math.max(db.compat, w.target.compat) : db.compat;
  const rollbackNeedsRestore = compatAfter > w.current.version;
  const move = migrates ? `migrates the database ${db.version} → ${w.target.version}` : 'does not migrate the database';
  const back = rollbackNeedsRestore
    ? `rolling back needs the pre-upgrade backup restored (compat ${compatAfter} > the current image's schema ${w.current.version}): what is written after the upgrade would be lost`
    : `rolling back needs no database restore (compat ${compatAfter} ≤ ${w.current.version})`;
  return { ok: true, migrates, compatAfter, rollbackNeedsRestore, summary: `${move}; ${back}` };
}

/** Whether an image with this schema can start on the database as it is now. */
export function canRun(image: SchemaPair, db: SchemaPair | undefined): boolean {
  return db === undefined || db.compat <= image.version;
}

/** Reads `print(SCHEMA_VERSION, SCHEMA_COMPAT_VERSION)`'s output ("95 84"). */
export function parseSchemaPair(text: string): SchemaPair | undefined {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(text);
  if (m === null) return undefined;
  return { version: Number(m[1]), compat: Number(m[2]) };
}
