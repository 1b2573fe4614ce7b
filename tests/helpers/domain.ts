import { assembleDomain, domainDeps } from "../../src/app.js";
import type { Principal } from "../../src/domain/auth/principal.js";
import type { JobSink } from "../../src/domain/assignment/assignment.service.js";
import type { Database } from "../../src/infra/db/orm.js";
import { MemoryPubSub } from "../../src/infra/pubsub/memory.js";
import type { ProfileName } from "./profiles.js";
import { storeDatabase } from "./store-db.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/** A job sink that keeps what was queued: the domain's tests look at it instead of running workers. */
export class RecordedJobs implements JobSink {
  readonly queued: Array<{ name: string; payload: { taskId: string; workspaceId?: string } }> = [];
  async enqueue(name: "create-workspace" | "run-task", payload: { taskId: string; workspaceId?: string }) {
    this.queued.push({ name, payload });
    return null;
  }
  of(name: string): string[] {
    return this.queued.filter((j) => j.name === name).map((j) => j.payload.taskId);
  }
}

export const person = (role: Principal["role"] = "OPERATOR", name = "ops"): Principal => ({
  apiKeyId: "key-of-" + name,
  name,
  role,
  agentId: null,
});

export const agentKey = (agentId: string): Principal => ({
  apiKeyId: "key-of-" + agentId,
  name: "agent key",
  role: "AGENT",
  agentId,
});

/**
 * The domain's services on a migrated database of the profile (SQLite by default): no server,
 * no queue workers, no sandbox. Jobs are recorded, not run; `advance` moves the domain's clock.
 */
export async function domainKit(profile: ProfileName = "sqlite") {
  const { db, close } = await storeDatabase(profile);
  const jobs = new RecordedJobs();
  const deps = domainDeps(db, new MemoryPubSub(), quiet);
  // The domain's clock, which a test moves on instead of waiting.
  let offset = 0;
  deps.now = () => new Date(Date.now() + offset);
  const services = assembleDomain(db, deps, { workspacesDir: "/var/empty/workspaces", jobs });
  return {
    db: db as Database,
    services,
    jobs,
    close,
    advance(ms: number) {
      offset += ms;
    },
  };
}
