// Running real programs (docker, openssl ...). Failures become MxErrors with the program's
// exit code or signal translated into words and the tail of its stderr, never its argv
// values that could hold secrets (callers pass secrets through stdin or the environment).
import { execa } from 'execa';
import { CommandError, MxError } from '../core/errors.ts';
import { onStop } from './interrupt.ts';

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Uint8Array;
  timeoutMs?: number;
  /** Stream output to our own stdout/stderr instead of capturing it. */
  inherit?: boolean;
  /** Don't throw on a non-zero exit; the caller inspects exitCode. */
  reject?: boolean;
  /** What the command was doing, for the error message ("starting the stack"). */
  purpose: string;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const SIGNAL_WORDS: Record<string, string> = {
  SIGKILL: 'killed (SIGKILL: out of memory or killed by hand)',
  SIGTERM: 'terminated (SIGTERM)',
  SIGINT: 'interrupted (SIGINT)',
  SIGSEGV: 'crashed (SIGSEGV)',
};

/** A signal in words ("killed (SIGKILL: out of memory or killed by hand)"). */
export function signalWords(signal: string): string {
  return SIGNAL_WORDS[signal] ?? signal;
}

export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export async function run(file: string, args: readonly string[], o: RunOptions): Promise<RunResult> {
  const subprocess = execa(file, args, {
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    ...(o.env === undefined ? {} : { env: o.env }),
    ...(o.input === undefined ? {} : { input: o.input }),
    ...(o.timeoutMs === undefined ? {} : { timeout: o.timeoutMs }),
    reject: false,
    stdio: o.inherit === true ? 'inherit' : 'pipe',
    stripFinalNewline: false,
  });
  // NOTE: a stop signal ends the program (execa adds SIGKILL 5 s later); its failure is the run's.
  const forget = onStop(() => subprocess.kill('SIGTERM'));
  const r = await subprocess.finally(forget);
  const stdout = typeof r.stdout === 'string' ? r.stdout : '';
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  if (r.failed && r.exitCode === undefined) {
    if (r.timedOut)
      throw new MxError(
        'E_TIMEOUT',
        `${o.purpose}: ${file} did not finish within ${Math.round((o.timeoutMs ?? 0) / 1000)} s.`,
      );
    if (r.signal !== undefined) {
      throw new CommandError('E_COMMAND_FAILED', `${o.purpose}: ${file} was ${signalWords(r.signal)}.`, {
        file,
        exitCode: undefined,
        signal: r.signal,
        stderrTail: tail(stderr),
      });
    }
    if ((r.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new MxError('E_TOOL_MISSING', `${o.purpose}: the program "${file}" is not installed.`);
    }
    throw new MxError('E_COMMAND_FAILED', `${o.purpose}: ${file} could not be started: ${r.shortMessage}`);
  }
  const exitCode = r.exitCode ?? 1;
  if (exitCode !== 0 && o.reject !== false) {
    throw new CommandError('E_COMMAND_FAILED', `${o.purpose}: ${file} exited with code ${exitCode}.`, {
      file,
      exitCode,
      signal: undefined,
      stderrTail: tail(stderr || stdout),
    });
  }
  return { exitCode, stdout, stderr };
}
