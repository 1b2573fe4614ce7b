/**
 * What a secret costs per use: `reveal` through the service on SQLite (the lookup, the unwrap of
 * the data key and the decryption of the value, both AES-256-GCM, and the write that records the
 * use) against the same row read without decrypting (the store's lookup, the baseline), for a
 * GitHub token (40 bytes) and a GitHub App private key (about 1.7 KB). The cipher alone (unwrap +
 * decrypt, no database) is shown beside them, so the share of the cryptography shows apart from
 * the write. Interleaved, after warm-up; medians and p95.
 */
import { randomBytes } from "node:crypto";
import { domainDeps } from "../src/app.js";
import { SecretService } from "../src/domain/secrets/secret.service.js";
import type { SecretKind } from "../src/domain/secrets/secret.types.js";
import { openDatabase } from "../src/infra/db/orm.js";
import { SqlSecretStore } from "../src/infra/db/stores/secret.store.js";
import { MemoryPubSub } from "../src/infra/pubsub/memory.js";
import { EnvelopeCipher } from "../src/infra/secrets/envelope.js";
import { p50p95, removeDir, tempDir, type Bench, type BenchResult } from "./lib.js";

const RUNS = 2_000;
const WARMUP = 200;
/** Extra time per use we accept: a tool call that uses a secret takes tens of milliseconds at least. */
const TARGET_EXTRA_US = 1_000;

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const us = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} µs` : "n/a");

async function time(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) * 1000;
}

/** A PEM-shaped value of about the size of a GitHub App's RSA 2048 private key. */
const pemLike = () =>
  `-----BEGIN RSA PRIVATE KEY-----\n${(
    randomBytes(1190)
      .toString("base64")
      .match(/.{1,64}/g) ?? []
  ).join("\n")}\n-----END RSA PRIVATE KEY-----\n`;

export const secretsBench: Bench = {
  name: "secrets",
  description: "a secret's decrypt cost per use (reveal on SQLite) against the same row read without decrypting",
  async run(): Promise<BenchResult> {
    const dir = tempDir("secrets");
    const db = await openDatabase({ url: undefined, dataDir: dir });
    try {
      await db.migrate();
      const cipher = new EnvelopeCipher({ current: randomBytes(32), previous: null });
      const store = new SqlSecretStore(db);
      const secrets = new SecretService(domainDeps(db, new MemoryPubSub(), quiet), store, cipher);
      const figures: BenchResult["figures"] = [];
      const targets: BenchResult["targets"] = [];
      const cases: Array<{ label: string; kind: SecretKind; value: string }> = [
        {
          label: "token (40 B)",
          kind: "GITHUB_TOKEN",
          value: `ghp_${randomBytes(27).toString("base64url")}`.slice(0, 40),
        },
        { label: "App key (1.7 KB)", kind: "GITHUB_APP_PRIVATE_KEY", value: pemLike() },
      ];
      for (const c of cases) {
        const created = await secrets.create({
          name: c.kind.toLowerCase(),
          kind: c.kind,
          value: c.value,
          scope: "GLOBAL",
        });
        const row = (await store.get(created.id))!;
        const use = { toolCallId: null, purpose: "bench" };
        const revealed: number[] = [];
        const looked: number[] = [];
        const opened: number[] = [];
        for (let i = 0; i < WARMUP + RUNS; i++) {
          const r = await time(() => secrets.reveal(c.kind, {}, use));
          const l = await time(() => store.applicable({}, { kind: c.kind }));
          const o = await time(() => cipher.open(row.id, row));
          if (i < WARMUP) continue;
          revealed.push(r);
          looked.push(l);
          opened.push(o);
        }
        if ((await secrets.reveal(c.kind, {}, use)) !== c.value) throw new Error("reveal returned another value");
        const R = p50p95(revealed);
        const L = p50p95(looked);
        const O = p50p95(opened);
        const extra = R.p50 - L.p50;
        figures.push(
          { name: `reveal, ${c.label}, p50`, value: us(R.p50), baseline: us(L.p50), note: "store lookup, no decrypt" },
          { name: `reveal, ${c.label}, p95`, value: us(R.p95), baseline: us(L.p95) },
          { name: `reveal, ${c.label}, extra per use`, value: us(extra), note: "decrypt + recording the use" },
          { name: `reveal, ${c.label}, ratio to the lookup`, value: `${(R.p50 / L.p50).toFixed(2)}×` },
          { name: `unwrap + decrypt alone, ${c.label}, p50`, value: us(O.p50), note: "no database" },
        );
        targets.push({
          name: `reveal ${c.label}: time added to a use, median`,
          measured: us(extra),
          target: `≤ ${TARGET_EXTRA_US} µs (a tool call takes tens of ms)`,
          pass: extra <= TARGET_EXTRA_US,
        });
      }
      return {
        figures,
        targets,
        notes: [
          `${RUNS} uses each after ${WARMUP} of warm-up, interleaved (reveal, lookup, cipher). Reveal records every use ` +
            "(lastUsedAt, lastUsedFor, lastUsedByToolCallId): one UPDATE on SQLite's writer, most of the extra time.",
        ],
      };
    } finally {
      await db.close();
      removeDir(dir);
    }
  },
};
