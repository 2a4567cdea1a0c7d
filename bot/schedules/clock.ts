/**
 * The time the schedule timer reads, as a dependency: the real clock in production; a test may
 * run a clock that starts just before a slot or runs faster, and the real timer and the real
 * election still do the firing.
 */
export interface Clock {
  now(): Date;
  /** Real milliseconds from now until the clock shows `at` (what setTimeout is given). */
  msUntil(at: Date): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  msUntil: (at) => at.getTime() - Date.now(),
};
