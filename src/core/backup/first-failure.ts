// Every process in a pipeline must succeed (borgmatic's rule), and one that fails must not leave
// the others blocked forever on a pipe nobody reads or writes any more. Used by the archive writer
// and the archive reader alike. Pure (it only coordinates promises).

/** The first failure of a group of work, boxed (so even a rejection with `undefined` counts). */
export interface Failure {
  error: unknown;
}

/**
 * Waits for all of `work`. At the first rejection, `stop` is called once (to kill the other
 * processes); the rest are still awaited, so nothing is left running. Resolves to that first
 * failure, or undefined when every piece succeeded.
 */
export async function firstFailure(
  work: readonly Promise<unknown>[],
  stop: (error: unknown) => void,
): Promise<Failure | undefined> {
  let failure: Failure | undefined;
  const onFailure = (error: unknown): void => {
    if (failure !== undefined) return;
    failure = { error };
    stop(error);
  };
  await Promise.all(work.map((w) => w.then(() => undefined, onFailure)));
  return failure;
}

/** A failure as an Error to throw (a non-Error rejection is wrapped, keeping it as the cause). */
export function failureError(f: Failure, what: string): Error {
  return f.error instanceof Error ? f.error : new Error(what, { cause: f.error });
}
