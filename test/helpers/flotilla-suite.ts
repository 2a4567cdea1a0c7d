/**
 * The Flotilla of an end-to-end suite, named once at the top of the file: started before the
 * first test with the runners the suite lists (in that order), and closed after the last —
 * after the suite's own afterAll hooks, which may still stop processes that use it. A suite's
 * own beforeAll (its repositories, a subscriber) runs once the Flotilla and its runners are up.
 */
import { startFlotilla, type Flotilla, type FlotillaOptions, type RunnerOptions } from "./flotilla.ts";
import { suiteValue } from "./suite-value.ts";

export function flotillaSuite(options: FlotillaOptions & { runners?: RunnerOptions[] } = {}): Flotilla {
  const { runners = [], ...flotilla } = options;
  return suiteValue("the suite's Flotilla", {
    open: () => startFlotilla(flotilla),
    async setUp(f) {
      for (const runner of runners) await f.startRunner(runner);
    },
    close: (f) => f.close(),
  });
}
