// gpg as the archive cipher: symmetric AES-256 (OpenPGP), so any stock `gpg -d` decrypts a
// backup. The passphrase goes through file descriptor 3, never argv or the environment; gpg runs
// with a throwaway home so it neither reads nor writes the admin's keyrings or agent cache.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { CommandError, MxError } from '../core/errors.ts';
import { signalWords } from './exec.ts';
import { onStop } from './interrupt.ts';
import { sweepOwnedScratch } from './lock.ts';

/** The exact options the runbook's manual steps name too (docs/RUNBOOK.md "Restore without mxctl"). */
export const GPG_ENCRYPT_ARGS = [
  '--symmetric',
  '--cipher-algo',
  'AES256',
  '--s2k-mode',
  '3',
  '--s2k-digest-algo',
  'SHA512',
  '--s2k-count',
  '65011712',
  // NOTE: no compression: pg_dump -Fc is compressed already and media is mostly JPEG/PNG/MP4,
  // so zlib would cost most of the run's CPU for a few percent.
  '--compress-algo',
  'none',
] as const;

export interface GpgProcess {
  /** Plaintext in (encrypt) or ciphertext in (decrypt). */
  stdin: Writable;
  /** Ciphertext out (encrypt) or plaintext out (decrypt): not trustworthy until `done` resolves. */
  stdout: Readable;
  /** Resolves when gpg exits 0; rejects with E_BACKUP_PASSPHRASE (wrong passphrase), or a
   * CommandError (E_CIPHER) naming gpg's exit code or signal. */
  done: Promise<void>;
  kill(): void;
}

async function startGpg(mode: 'encrypt' | 'decrypt', passphrase: string): Promise<GpgProcess> {
  // NOTE: the owner's pid in the name lets the next run remove a killed run's home from /tmp.
  const home = await mkdtemp(await sweepOwnedScratch(tmpdir(), 'mxctl-gpg-'));
  const args = [
    '--homedir',
    home,
    '--batch',
    '--no-tty',
    '--quiet',
    '--pinentry-mode',
    'loopback',
    '--passphrase-fd',
    '3',
    '--no-symkey-cache',
    ...(mode === 'encrypt' ? GPG_ENCRYPT_ARGS : ['--decrypt']),
    '--output',
    '-',
  ];
  let child: ChildProcess;
  try {
    child = spawn('gpg', args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  } catch (cause) {
    await rm(home, { recursive: true, force: true });
    throw new MxError('E_TOOL_MISSING', 'gpg could not be started.', {
      cause,
      hint: 'Install GnuPG (apt-get install gnupg).',
    });
  }
  const forget = onStop(() => child.kill('SIGTERM'));
  child.on('close', forget);
  const fd3 = child.stdio[3] as Writable;
  fd3.on('error', () => undefined); // gpg may exit before reading it; the exit code says why
  fd3.end(`${passphrase}\n`);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (cause: NodeJS.ErrnoException) => {
      reject(
        cause.code === 'ENOENT'
          ? new MxError('E_TOOL_MISSING', 'gpg is not installed.', { hint: 'Install GnuPG (apt-get install gnupg).' })
          : cause,
      );
    });
    child.on('close', (code, signal) => {
      void rm(home, { recursive: true, force: true });
      if (code === 0) return resolve();
      if (mode === 'decrypt' && /bad session key|bad passphrase/i.test(stderr)) {
        return reject(
          new MxError('E_BACKUP_PASSPHRASE', 'gpg could not decrypt the archive: the passphrase is wrong.', {
            hint: 'Set BACKUP_PASSPHRASE in .env to the passphrase that was in force when the backup was made.',
          }),
        );
      }
      const how = signal !== null ? `was ${signalWords(signal)}` : `exited with code ${code}`;
      const what = mode === 'decrypt' ? 'decrypting the archive' : 'encrypting the archive';
      // NOTE: E_CIPHER: the operation says what it means (a damaged archive, a failed backup).
      reject(
        new CommandError('E_CIPHER', `${what}: gpg ${how}.`, {
          file: 'gpg',
          exitCode: code ?? undefined,
          signal: signal ?? undefined,
          stderrTail: stderr.trim().split('\n').slice(-5).join('\n'),
        }),
      );
    });
  });
  // NOTE: callers await `done` after the streams drain; until then a rejection is not "unhandled".
  done.catch(() => undefined);
  // NOTE: a consumer that stops early makes gpg's writes fail with EPIPE; the exit code reports it.
  child.stdin?.on('error', () => undefined);
  return { stdin: child.stdin as Writable, stdout: child.stdout as Readable, done, kill: () => child.kill('SIGKILL') };
}

export function startEncrypt(passphrase: string): Promise<GpgProcess> {
  return startGpg('encrypt', passphrase);
}

export function startDecrypt(passphrase: string): Promise<GpgProcess> {
  return startGpg('decrypt', passphrase);
}

/** Encryption of archives with the deployment's passphrase (bound here, so no op handles it). */
export interface Cipher {
  encrypt(): Promise<GpgProcess>;
  decrypt(): Promise<GpgProcess>;
}

export function gpgCipher(passphrase: string): Cipher {
  return { encrypt: () => startEncrypt(passphrase), decrypt: () => startDecrypt(passphrase) };
}
