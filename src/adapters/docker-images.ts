// What the local Docker daemon knows about an image: its id and the registry digests it was
// pulled (or pushed) by. A pulled image has RepoDigests; a locally built one (the lab's) has only
// an id (reference/wave2-facts.md §2e), so both are reported.
import { CommandError } from '../core/errors.ts';
import { run, tail } from './exec.ts';

export interface LocalImage {
  /** The image id (`sha256:` of its config): what a locally built image is pinned by. */
  id: string;
  /** `REPOSITORY@sha256:…` for every registry this image came from or went to. */
  repoDigests: string[];
}

export interface LocalImages {
  /** The image `ref` names locally, or undefined when Docker has no such image. */
  inspect(ref: string): Promise<LocalImage | undefined>;
}

export const dockerImages: LocalImages = {
  async inspect(ref) {
    const r = await run('docker', ['image', 'inspect', '--format', '{{json .Id}} {{json .RepoDigests}}', ref], {
      purpose: `looking up the local image ${ref}`,
      timeoutMs: 15_000,
      reject: false,
    });
    // NOTE: docker has no exit code of its own for "no such image"; its message is the only signal.
    if (r.exitCode !== 0 && /no such (image|object)/i.test(r.stderr)) return undefined;
    if (r.exitCode !== 0) {
      const fields = { file: 'docker', exitCode: r.exitCode, signal: undefined, stderrTail: tail(r.stderr) };
      throw new CommandError(
        'E_COMMAND_FAILED',
        `Looking up the local image ${ref}: docker exited with code ${r.exitCode}.`,
        fields,
      );
    }
    const [id, digests] = r.stdout.trim().split(' ');
    return {
      id: JSON.parse(id ?? '""') as string,
      repoDigests: (JSON.parse(digests ?? 'null') as string[] | null) ?? [],
    };
  },
};
