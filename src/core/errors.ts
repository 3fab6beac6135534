// The error taxonomy. Every expected failure is an MxError with a stable code, a one-line
// message, and (where there is one) the fix in words. The CLI boundary maps codes to exit codes;
// callers branch on `code`, never on message text.

export const EXIT_CODES = {
  E_USAGE: 2,
  E_INVALID_INPUT: 2,
  E_UNKNOWN_SERVICE: 2,
  E_NO_DEPLOYMENT: 3,
  E_DEPLOYMENT_EXISTS: 3,
  E_DIR_NOT_EMPTY: 3,
  E_DIR_UNWRITABLE: 3,
  E_CONFIG_INVALID: 3,
  E_DOCKER_MISSING: 4,
  E_DOCKER_DOWN: 4,
  E_COMPOSE_MISSING: 4,
  E_PORT_IN_USE: 4,
  E_TOOL_MISSING: 4,
  E_COMMAND_FAILED: 5,
  E_STACK_UNHEALTHY: 5,
  E_SYNAPSE_API: 5,
  E_SYNAPSE_UNREACHABLE: 5,
  E_UNAUTHORIZED: 5,
  E_CERTIFICATE: 5,
  E_TIMEOUT: 5,
  E_DATABASE: 5,
  E_CIPHER: 5,
  E_BACKUP_FAILED: 6,
  E_NO_SPACE: 6,
  E_BACKUP_LOCKED: 7,
  E_BACKUP_NOT_FOUND: 8,
  E_BACKUP_CORRUPT: 8,
  E_BACKUP_PASSPHRASE: 8,
  // restic's repository (BACKUP_MODE=repository): adapters/restic-output.ts
  E_REPOSITORY_PASSWORD: 8,
  E_REPOSITORY_MISSING: 8,
  E_REPOSITORY_CORRUPT: 8,
  E_REPOSITORY_LOCKED: 7,
  E_RESTORE_REFUSED: 9,
  E_RESTORE_FAILED: 10,
  E_CHECKS_FAILED: 11,
  E_OFFSITE_FAILED: 14,
  E_REGISTRY: 15,
  E_ACME: 16,
  E_UPGRADE_FAILED: 17,
  E_UPGRADE_REFUSED: 18,
  E_UPGRADE_ROLLBACK_FAILED: 21,
  E_RESTORE_TEST_FAILED: 22,
  E_ALERT_FAILED: 23,
  E_NOT_FOUND: 12,
  E_MAS_ENABLED: 13,
  E_ABORTED: 130,
} as const;

export type ErrorCode = keyof typeof EXIT_CODES;

export interface MxErrorOptions {
  /** The fix, in words an admin can act on. */
  hint?: string;
  /** Longer detail (e.g. the tail of a tool's stderr), shown after the message. */
  detail?: string;
  cause?: unknown;
}

export class MxError extends Error {
  override readonly name: string = 'MxError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: MxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.detail = options.detail;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export interface CommandErrorFields {
  /** The program that ran (never its arguments: they could hold secrets). */
  file: string;
  /** Its exit code, or undefined when a signal ended it or it never started. */
  exitCode: number | undefined;
  signal: string | undefined;
  /** The last lines it wrote to stderr (or stdout when stderr was empty). */
  stderrTail: string;
}

/** A real program failed: branch on `exitCode`/`signal`, never on the message. */
export class CommandError extends MxError {
  override readonly name = 'CommandError';
  readonly file: string;
  readonly programExitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: string;

  constructor(
    code: ErrorCode,
    message: string,
    fields: CommandErrorFields,
    options: Omit<MxErrorOptions, 'detail'> = {},
  ) {
    super(code, message, { ...options, ...(fields.stderrTail === '' ? {} : { detail: fields.stderrTail }) });
    this.file = fields.file;
    this.programExitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stderrTail = fields.stderrTail;
  }
}

/** Synapse answered an API call with an error: its HTTP status, Matrix errcode and the endpoint. */
export class SynapseApiError extends MxError {
  override readonly name = 'SynapseApiError';
  readonly status: number;
  readonly errcode: string | undefined;
  readonly endpoint: string;

  constructor(
    code: ErrorCode,
    message: string,
    fields: { status: number; errcode: string | undefined; endpoint: string },
    options: MxErrorOptions = {},
  ) {
    super(code, message, options);
    this.status = fields.status;
    this.errcode = fields.errcode;
    this.endpoint = fields.endpoint;
  }
}

export function isSynapseApiError(value: unknown, status?: number): value is SynapseApiError {
  return value instanceof SynapseApiError && (status === undefined || value.status === status);
}

/** Re-raises an adapter's failure as an operation's, keeping the adapter's error as the cause. */
export function wrapError(
  code: ErrorCode,
  message: (inner: string) => string,
  error: unknown,
  options: Omit<MxErrorOptions, 'cause'> = {},
): MxError {
  const inner = error instanceof Error ? error.message : String(error);
  const detail = options.detail ?? (isMxError(error) ? error.detail : undefined);
  const hint = options.hint ?? (isMxError(error) ? error.hint : undefined);
  return new MxError(code, message(inner), {
    cause: error,
    ...(detail === undefined ? {} : { detail }),
    ...(hint === undefined ? {} : { hint }),
  });
}

export function isMxError(value: unknown, code?: ErrorCode): value is MxError {
  return value instanceof MxError && (code === undefined || value.code === code);
}
