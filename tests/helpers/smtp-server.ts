import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  mail: ParsedMail;
  raw: Buffer;
  /** TLS was on (STARTTLS) when the message came. */
  secure: boolean;
  /** The user that signed in (AUTH PLAIN or LOGIN). */
  user: string | undefined;
  authMethod: string | undefined;
  envelopeTo: string[];
}

export interface TestSmtpServer {
  port: number;
  /** smtp://user:pass@127.0.0.1:port (the password in the URL unless `withPassword` is false). */
  url(withPassword?: boolean): string;
  /** The self-signed certificate (PEM file) to trust: SMTP_CA_FILE. */
  caFile: string;
  user: string;
  password: string;
  received: ReceivedMail[];
  /** Resolves when `n` messages have arrived. */
  waitFor(n: number): Promise<ReceivedMail[]>;
  /** Connections refused from now on (the server is down), until `start()`. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real SMTP server (the smtp-server package) on 127.0.0.1: STARTTLS with a self-signed
 * certificate made by openssl at test time, AUTH PLAIN and LOGIN required (only after STARTTLS),
 * each message parsed with mailparser.
 */
export async function startSmtpServer(
  opts: { user?: string; password?: string; noStartTls?: boolean } = {},
): Promise<TestSmtpServer> {
  const dir = mkdtempSync(join(tmpdir(), "smtp-test-"));
  const keyFile = join(dir, "key.pem");
  const caFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile, "-out", caFile, "-days", "1"].concat([
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]),
    { stdio: "ignore" },
  );
  const user = opts.user ?? "mailer";
  const password = opts.password ?? "s3cret-p@ss:word";
  const received: ReceivedMail[] = [];
  const waiters: Array<{ n: number; resolve: (r: ReceivedMail[]) => void }> = [];
  const make = () =>
    new SMTPServer({
      secure: false,
      // noStartTls: a server that cannot encrypt (and so takes mail without AUTH).
      ...(opts.noStartTls && { disabledCommands: ["STARTTLS"], authOptional: true }),
      key: readFileSync(keyFile),
      cert: readFileSync(caFile),
      authMethods: ["PLAIN", "LOGIN"],
      allowInsecureAuth: false,
      logger: false,
      // Going down drops open (pooled) connections at once, like a crashed server.
      closeTimeout: 50,
      onAuth(auth, _session, cb) {
        if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
        else cb(new Error("Invalid username or password"));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (mail) => {
              received.push({
                mail,
                raw,
                secure: session.secure,
                user: session.user as string | undefined,
                authMethod: (session as unknown as { authMethod?: string }).authMethod,
                envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              });
              for (const w of [...waiters]) {
                if (received.length >= w.n) {
                  waiters.splice(waiters.indexOf(w), 1);
                  w.resolve(received);
                }
              }
              cb();
            },
            (err: Error) => cb(err),
          );
        });
      },
    });
  let server = make();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  let up = true;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!up) return resolve();
      up = false;
      server.close(() => resolve());
    });
  return {
    port,
    caFile,
    user,
    password,
    received,
    url: (withPassword = true) =>
      `smtp://${encodeURIComponent(user)}${withPassword ? `:${encodeURIComponent(password)}` : ""}@127.0.0.1:${port}`,
    waitFor: (n) =>
      received.length >= n ? Promise.resolve(received) : new Promise((resolve) => waiters.push({ n, resolve })),
    down: stop,
    async start() {
      if (up) return;
      server = make();
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      up = true;
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
