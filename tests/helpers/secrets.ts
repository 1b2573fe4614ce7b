import { randomBytes } from "node:crypto";
import type { CreateSecretInput } from "../generated/graphql.js";

/** A value that is easy to find anywhere it should not be. */
export const secretValue = (label: string) => `sv${label}${randomBytes(12).toString("hex")}`;

/** A valid GLOBAL GITHUB_TOKEN secret with a fresh name and value, `over` applied. */
export const secretInput = (over: Partial<CreateSecretInput> = {}): CreateSecretInput => ({
  name: `s-${randomBytes(4).toString("hex")}`,
  kind: "GITHUB_TOKEN",
  value: secretValue("x"),
  scope: "GLOBAL",
  ...over,
});
