// Time as a dependency: operations never call Date.now() or new Date() themselves, so a test
// can hand them a fixed or stepping clock, and "how long did it take" is measured one way.

export interface Clock {
  now(): Date;
}

/** Seconds from `since` to the clock's now. */
export function secondsSince(clock: Clock, since: Date): number {
  return (clock.now().getTime() - since.getTime()) / 1000;
}

/** A clock that always says `at` (tests, and the "as of" time of a report). */
export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

/** Names each phase as it starts (for the progress display) and times it (for the report). */
export function phaseTimer(
  clock: Clock,
  say: (line: string) => void,
): { next(name: string): void; done(): { name: string; seconds: number }[] } {
  const phases: { name: string; seconds: number }[] = [];
  let current: { name: string; at: Date } | undefined;
  const close = () => {
    if (current !== undefined) phases.push({ name: current.name, seconds: secondsSince(clock, current.at) });
  };
  return {
    next(name) {
      close();
      current = { name, at: clock.now() };
      say(name);
    },
    done() {
      close();
      current = undefined;
      return phases;
    },
  };
}
