import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { diskFull, isDiskFull } from "../../domain/disk-full.js";
import type { SealedValue, SecretCipher } from "../../domain/secrets/secret-cipher.js";
import type { Logger } from "../../domain/shared/deps.js";
import { EnvelopeCipher, UnconfiguredCipher, type MasterKeys } from "./envelope.js";

/** The embedded profile's master key file, in DATA_DIR. */
export const SECRETS_KEY_FILE = "secrets.key";
const KEY_BYTES = 32;
/** Longer than any base64 of 32 bytes with a line end: a bigger file is not a key file. */
const MAX_FILE_BYTES = 256;

/** The key file cannot be used: the server refuses to start (the message says how to fix it). */
export class SecretsKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretsKeyFileError";
  }
}

export interface MasterKeySettings {
  /** config.secrets: SECRETS_KEY and SECRETS_KEY_PREVIOUS. */
  secrets: { key: Buffer | undefined; previousKey: Buffer | undefined };
  dataDir: string;
  /** Set on the cluster profile, which has no key file. */
  databaseUrl: string | undefined;
}

/** The master keys in use and where the current one came from; null when there is none (cluster without SECRETS_KEY). */
export interface ResolvedMasterKeys extends MasterKeys {
  source: "SECRETS_KEY" | "key file";
  /** The key file, when the key is read from one. */
  file: string | null;
  /** Whether the key file was made on this start. */
  created: boolean;
}

/**
 * The master key: SECRETS_KEY when set; else on the embedded profile DATA_DIR/secrets.key, made on
 * the first start (32 random bytes in base64, mode 0600) and refused when its mode is wider than
 * 0600 or it does not hold 32 bytes of base64; else (cluster profile) none.
 */
export function resolveMasterKeys(settings: MasterKeySettings): ResolvedMasterKeys | null {
  const previous = settings.secrets.previousKey ?? null;
  if (settings.secrets.key) {
    return { current: settings.secrets.key, previous, source: "SECRETS_KEY", file: null, created: false };
  }
  if (settings.databaseUrl) return null;
  const file = join(settings.dataDir, SECRETS_KEY_FILE);
  const created = !existsSync(file) && createKeyFile(settings.dataDir, file);
  return { current: readKeyFile(file), previous, source: "key file", file, created };
}

/** The cipher for the resolved keys, logging which keys are in use (their ids, never the keys). */
export function openSecretCipher(settings: MasterKeySettings, logger: Logger): SecretCipher {
  let keys: ResolvedMasterKeys | null;
  try {
    keys = resolveMasterKeys(settings);
  } catch (err) {
    if (!isDiskFull(err)) throw err;
    // The server starts on a full disk; the key file is made at the first use with room for it.
    logger.warn(
      { file: join(settings.dataDir, SECRETS_KEY_FILE) },
      "the disk is full: the secrets key file is made later",
    );
    return new DeferredCipher(() => openSecretCipher(settings, logger));
  }
  if (!keys) {
    logger.warn(
      { setting: "SECRETS_KEY" },
      "secrets store not configured: set SECRETS_KEY (32 bytes in base64) to create and use secrets",
    );
    return new UnconfiguredCipher();
  }
  const cipher = new EnvelopeCipher(keys);
  logger.info(
    {
      masterKeyId: cipher.currentKeyId(),
      previousKeyId: cipher.previousKeyId(),
      source: keys.source,
      ...(keys.file ? { file: keys.file, created: keys.created } : {}),
    },
    keys.created ? "secrets store ready: created its master key file" : "secrets store ready",
  );
  return cipher;
}

/**
 * Makes the key file unless it exists, atomically: the key is written and synced to a temporary
 * file of mode 0600 (O_EXCL, no symlink followed), which is then hard-linked to the final name
 * (which fails if the name exists: two processes starting together keep one key). True when made.
 */
function createKeyFile(dataDir: string, file: string): boolean {
  mkdirSync(dataDir, { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const key = randomBytes(KEY_BYTES);
  const fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, `${key.toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    key.fill(0);
  }
  try {
    linkSync(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
  syncDirectory(dataDir);
  return true;
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The key in the file, checked: a regular file (not a symlink), mode 0600 or narrower, 32 bytes of base64. */
function readKeyFile(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new SecretsKeyFileError(`Cannot open the secrets key file ${file}: ${(err as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new SecretsKeyFileError(`The secrets key file ${file} is not a regular file`);
    const mode = stat.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SecretsKeyFileError(
        `The secrets key file ${file} has mode ${mode.toString(8).padStart(4, "0")}: others may read it. ` +
          `It must be 0600 (chmod 600 ${file}); consider the key exposed if someone else could read it.`,
      );
    }
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, length).toString("utf8").trim();
    buffer.fill(0);
    const key = Buffer.from(text, "base64");
    if (length > MAX_FILE_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || key.length !== KEY_BYTES) {
      key.fill(0);
      throw new SecretsKeyFileError(
        `The secrets key file ${file} must hold ${KEY_BYTES} bytes in base64 (like the output of: openssl rand -base64 32); its content is not that (and is not shown)`,
      );
    }
    return key;
  } finally {
    closeSync(fd);
  }
}

/**
 * A cipher whose key file could not be made at start (a full disk): every use tries again, and
 * fails with LIMIT_EXCEEDED (limit: disk) while there is still no room.
 */
class DeferredCipher implements SecretCipher {
  private cipher: SecretCipher | null = null;

  constructor(private readonly connect: () => SecretCipher) {}

  private ready(): SecretCipher {
    if (this.cipher) return this.cipher;
    try {
      const opened = this.connect();
      if (opened instanceof DeferredCipher) throw diskFull;
      this.cipher = opened;
      return opened;
    } catch (err) {
      throw isDiskFull(err) ? diskFull : err;
    }
  }

  currentKeyId(): string {
    return this.ready().currentKeyId();
  }

  isCurrentKey(masterKeyId: string): boolean {
    try {
      return this.ready().isCurrentKey(masterKeyId);
    } catch {
      return false;
    }
  }

  seal(secretId: string, value: string): SealedValue {
    return this.ready().seal(secretId, value);
  }

  open(secretId: string, sealed: SealedValue): string {
    return this.ready().open(secretId, sealed);
  }

  rewrap(secretId: string, sealed: SealedValue): Pick<SealedValue, "wrappedKey" | "masterKeyId"> {
    return this.ready().rewrap(secretId, sealed);
  }
}
