// The tar (POSIX ustar + pax) format the backup archive uses, so any stock `tar` extracts it.
// Pure: header blocks in, header blocks out. The streaming around it lives in adapters/tar-stream.ts.
// NOTE: our own ~150 lines instead of a dependency because the database dump is written as
// sized chunks while pg_dump is still running, which the tar packages' path-based APIs don't do.

export const BLOCK = 512;

export type TarEntryType = 'file' | 'directory' | 'symlink';

export interface TarHeader {
  path: string;
  type: TarEntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number; // seconds since the epoch
  linkname?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  buf.write(value, offset, length, 'utf8');
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function fitsUstar(value: number, length: number): boolean {
  return value >= 0 && value < 8 ** (length - 1);
}

/** The ustar name/prefix split, or undefined when the path needs a pax header. */
function splitPath(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { name, prefix };
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function ustarBlock(
  h: TarHeader,
  name: string,
  prefix: string,
  typeflag: string,
  size: number,
  linkname: string,
): Buffer {
  const buf = Buffer.alloc(BLOCK);
  writeString(buf, 0, 100, name);
  writeOctal(buf, 100, 8, h.mode & 0o7777);
  writeOctal(buf, 108, 8, fitsUstar(h.uid, 8) ? h.uid : 0);
  writeOctal(buf, 116, 8, fitsUstar(h.gid, 8) ? h.gid : 0);
  writeOctal(buf, 124, 12, fitsUstar(size, 12) ? size : 0);
  writeOctal(buf, 136, 12, Math.max(0, Math.floor(h.mtime)));
  buf.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  writeString(buf, 156, 1, typeflag);
  writeString(buf, 157, 100, linkname);
  writeString(buf, 257, 6, 'ustar\0');
  writeString(buf, 263, 2, '00');
  writeString(buf, 345, 155, prefix);
  let sum = 0;
  for (const byte of buf) sum += byte;
  writeString(buf, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return buf;
}

const TYPEFLAG: Record<TarEntryType, string> = { file: '0', directory: '5', symlink: '2' };

/** The header block(s) for one entry: a pax header first when the path, link or size don't fit ustar. */
export function encodeHeader(h: TarHeader): Buffer {
  const split = splitPath(h.path);
  const linkname = h.linkname ?? '';
  const records: string[] = [];
  if (split === undefined) records.push(paxRecord('path', h.path));
  if (Buffer.byteLength(linkname) > 100) records.push(paxRecord('linkpath', linkname));
  if (!fitsUstar(h.size, 12)) records.push(paxRecord('size', String(h.size)));
  const main = ustarBlock(
    h,
    split?.name ?? h.path.slice(-100),
    split?.prefix ?? '',
    TYPEFLAG[h.type],
    h.size,
    linkname.slice(0, 100),
  );
  if (records.length === 0) return main;
  const pax = encoder.encode(records.join(''));
  const paxHeader = ustarBlock({ ...h, mode: 0o644 }, 'PaxHeader', '', 'x', pax.length, '');
  return Buffer.concat([paxHeader, Buffer.from(pax), Buffer.alloc(padding(pax.length)), main]);
}

/** Zero bytes after an entry's data, up to the next block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Two zero blocks end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}

function readString(buf: Buffer, offset: number, length: number): string {
  const slice = buf.subarray(offset, offset + length);
  const nul = slice.indexOf(0);
  return decoder.decode(nul === -1 ? slice : slice.subarray(0, nul));
}

function readOctal(buf: Buffer, offset: number, length: number): number {
  const text = readString(buf, offset, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

export interface RawHeader {
  typeflag: string;
  path: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname: string;
}

/** One 512-byte header block; undefined for a zero block (the end). Throws on a bad checksum. */
export function decodeHeaderBlock(buf: Buffer): RawHeader | undefined {
  if (buf.length !== BLOCK) throw new Error('a tar header is 512 bytes');
  if (buf.every((b) => b === 0)) return undefined;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (buf[i] ?? 0);
  if (sum !== readOctal(buf, 148, 8)) throw new Error('tar header checksum mismatch (the archive is damaged)');
  const name = readString(buf, 0, 100);
  const prefix = readString(buf, 345, 155);
  return {
    typeflag: readString(buf, 156, 1) || '0',
    path: prefix === '' ? name : `${prefix}/${name}`,
    size: readOctal(buf, 124, 12),
    mode: readOctal(buf, 100, 8),
    uid: readOctal(buf, 108, 8),
    gid: readOctal(buf, 116, 8),
    mtime: readOctal(buf, 136, 12),
    linkname: readString(buf, 157, 100),
  };
}

/** The key=value records of a pax extended header's data. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(data.subarray(pos, space).toString('utf8'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq !== -1) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}
