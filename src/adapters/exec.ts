// Running real programs (docker, openssl ...). Failures become MxErrors with the program's
// exit code or signal translated into words and the tail of its stderr, never its argv
// values that could hold secrets (callers pass secrets through stdin or the environment).
import { CommandError, MxError } from '../core/errors.ts';
import { startProgram } from './program.ts';

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
  // NOTE: a stop signal ends the program (SIGKILL 5 s later if need be); its failure is the run's.
  const r = await startProgram(file, args, {
    cwd: o.cwd,
    env: o.env,
    input: o.input,
    inherit: o.inherit,
    timeoutMs: o.timeoutMs,
  }).done;
  if (r.startError !== undefined) {
    if (r.startError.code === 'ENOENT')
      throw new MxError('E_TOOL_MISSING', `${o.purpose}: the program "${file}" is not installed.`);
    throw new MxError('E_COMMAND_FAILED', `${o.purpose}: ${file} could not be started: ${r.startError.message}`);
  }
  if (r.timedOut)
    throw new MxError(
      'E_TIMEOUT',
      `${o.purpose}: ${file} did not finish within ${Math.round((o.timeoutMs ?? 0) / 1000)} s.`,
    );
  if (r.tooMuchOutput)
    throw new MxError('E_COMMAND_FAILED', `${o.purpose}: ${file} printed more than 100 MiB and was stopped.`);
  if (r.exitCode === undefined) {
    const signal = r.signal ?? 'SIGKILL';
    throw new CommandError('E_COMMAND_FAILED', `${o.purpose}: ${file} was ${signalWords(signal)}.`, {
      file,
      exitCode: undefined,
      signal,
      stderrTail: tail(r.stderr),
    });
  }
  if (r.exitCode !== 0 && o.reject !== false) {
    throw new CommandError('E_COMMAND_FAILED', `${o.purpose}: ${file} exited with code ${r.exitCode}.`, {
      file,
      exitCode: r.exitCode,
      signal: undefined,
      stderrTail: tail(r.stderr || r.stdout),
    });
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
