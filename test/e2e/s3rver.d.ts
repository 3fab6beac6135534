// s3rver ships no types; the part the backup tests use.
declare module 's3rver' {
  import type { Server, AddressInfo } from 'node:net';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    configureBuckets?: { name: string }[];
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    httpServer: Server & { closeAllConnections?: () => void };
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
