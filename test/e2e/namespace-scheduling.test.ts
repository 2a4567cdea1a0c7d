/**
 * A namespace's scheduling settings through the API `flotilla namespace set` calls: priority
 * rules and fair-share weights stored as written, kept when a later change leaves them out,
 * and refused with the reason when they do not parse.
 */
import { expect, it } from "vitest";
import { flotillaSuite } from "../helpers/flotilla-suite.ts";

const f = flotillaSuite();

const api = async (path: string, method: string, body?: unknown) => {
  const response = await fetch(`${f.publicUrl}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${f.apiToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

it("stores priority rules and weights, keeps them across other changes, and refuses bad ones", async () => {
  const saved = await api("namespaces/shared", "PUT", {
    follows: [],
    priority: "acme/app:main=high,*:dependabot/*=low",
    weights: "acme/*=2",
  });
  expect(saved.status).toBe(201);
  expect(saved.body).toMatchObject({ priority: "acme/app:main=high,*:dependabot/*=low", weights: "acme/*=2" });

  const followed = await api("namespaces/shared", "PUT", { follows: ["acme/*"] });
  expect(followed.body).toMatchObject({ follows: ["acme/*"], priority: "acme/app:main=high,*:dependabot/*=low" });

  const bad = await api("namespaces/shared", "PUT", { follows: [], priority: "acme/app=urgent", weights: "acme/*=0" });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain("priority");
  expect(JSON.stringify(bad.body)).toContain("REPOSITORY=WEIGHT");
  const cleared = await api("namespaces/shared", "PUT", { follows: [], weights: "" });
  expect(cleared.body).toMatchObject({ weights: "", priority: "acme/app:main=high,*:dependabot/*=low" });
}, 60_000);
