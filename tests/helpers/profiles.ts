import { describe } from "vitest";
import { pgBaseUrl } from "./pg.js";

export type ProfileName = "sqlite" | "postgres";

export interface Profile {
  name: ProfileName;
  enabled: boolean;
}

export const profiles: Profile[] = [
  { name: "sqlite", enabled: true },
  { name: "postgres", enabled: pgBaseUrl !== undefined },
];

/** Runs a suite once per database profile; the PostgreSQL run is reported skipped without TEST_DATABASE_URL. */
export function describeProfiles(title: string, fn: (profile: ProfileName) => void): void {
  for (const p of profiles) {
    describe.skipIf(!p.enabled)(`${title} [${p.name}]`, () => fn(p.name));
  }
}
