// Which storage `peapod server` runs on: the SQLite file in the data dir (default), or an etcd
// cluster when `--etcd-servers` names one (then several servers may share it).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backend } from '../storage/index.ts';
import { openSqliteBackend } from '../storage/sqlite/sqlite-backend.ts';

export interface EtcdStorageConfig {
  /** Client URLs (`--etcd-servers`). */
  readonly servers: readonly string[];
  /** `--etcd-prefix` (default /registry). */
  readonly prefix?: string;
  /** `--etcd-cafile`, `--etcd-certfile`, `--etcd-keyfile`: TLS to etcd. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export interface OpenBackendOptions {
  readonly etcd?: EtcdStorageConfig;
  readonly compactWindow?: number;
  readonly compactIntervalMs?: number;
  readonly log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export async function openServerBackend(dataDir: string, options: OpenBackendOptions): Promise<Backend> {
  const { etcd } = options;
  if (!etcd) {
    return openSqliteBackend({
      path: join(dataDir, 'state.db'),
      compactWindow: options.compactWindow,
      compactIntervalMs: options.compactIntervalMs ?? 60_000,
    });
  }
  // Loaded only when used: the gRPC client costs start-up time and memory a SQLite server needn't pay.
  const { openEtcdBackend } = await import('../storage/etcd/etcd-backend.ts');
  const log = options.log ?? (() => {});
  const logger = { warn: (obj: object, msg: string) => log(msg, { ...obj }), error: (obj: object, msg: string) => log(msg, { ...obj }) };
  return openEtcdBackend({
    endpoints: etcd.servers,
    prefix: etcd.prefix,
    tls: etcd.caFile
      ? {
          ca: await readFile(etcd.caFile),
          cert: etcd.certFile ? await readFile(etcd.certFile) : undefined,
          key: etcd.keyFile ? await readFile(etcd.keyFile) : undefined,
        }
      : undefined,
    compactWindow: options.compactWindow,
    compactIntervalMs: options.compactIntervalMs ?? 60_000,
    logger,
  });
}
