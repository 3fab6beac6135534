// The offsite copy's storage, as the backup ops see it: a flat folder of named objects. Two
// implementations: an S3-compatible bucket (s3-store.ts) and an rclone remote (rclone-store.ts);
// tests wrap either to inject faults.

export interface RemoteObject {
  key: string;
  size: number;
}

export interface ObjectStore {
  /** Where, for messages: `s3://bucket/prefix` or `rclone name:path`. */
  readonly description: string;
  list(): Promise<RemoteObject[]>;
  /** Uploads a file and checks the stored object against it (size, and checksums where the target has them). */
  putFile(name: string, path: string, onProgress?: (bytes: number) => void): Promise<void>;
  putBytes(name: string, data: Buffer): Promise<void>;
  /** Downloads an object into `path` (written to a temp name, fsynced, then renamed). */
  getFile(name: string, path: string): Promise<void>;
  /** Deletes one object (prune). Deleting an object that is not there is not an error. */
  remove(name: string): Promise<void>;
}
