// The node side of the built-in local-path provisioner. The agent advertises where this node keeps
// provisioned volumes (a Node annotation the PV controller reads when it provisions here) and
// removes a volume's directory once its PersistentVolume is being deleted (reclaim Delete, after
// pv-protection let go, i.e. no claim is bound to it any more), then drops the cleanup finalizer.
// Directories are created on first mount (volumes/claim-volume.ts). Only paths under this node's
// storage directory are ever removed, so a hand-made volume pointing elsewhere is never touched.
import type { Node, PersistentVolume } from 'kubernetes-types/core/v1.js';
import { rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { createInformer, isNotFound, resources, type Client, type Logger } from '../client/index.ts';
import { LOCAL_PATH_CLEANUP_FINALIZER, LOCAL_PATH_DIR_ANNOTATION, localPathNode } from '../controllers/persistentvolume/local-path.ts';

export interface LocalPathOptions {
  client: Client;
  nodeName: string;
  /** The agent's data dir; volumes live in `<dataDir>/storage`. */
  dataDir: string;
  signal: AbortSignal;
  logger: Logger;
}

export async function startLocalPathVolumes(opts: LocalPathOptions): Promise<void> {
  const { client, nodeName, logger } = opts;
  const storageDir = resolve(join(opts.dataDir, 'storage'));
  const patch = { metadata: { annotations: { [LOCAL_PATH_DIR_ANNOTATION]: storageDir } } };
  await client.patch<Node>(resources.nodes, undefined, nodeName, patch, { type: 'merge' });
  const informer = createInformer<PersistentVolume>(client, resources.persistentvolumes, { logger });
  const busy = new Set<string>();

  async function cleanUp(pv: PersistentVolume): Promise<void> {
    const name = pv.metadata?.name ?? '';
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (busy.has(name)) return;
    busy.add(name);
    try {
      if (path && resolve(path).startsWith(storageDir + sep)) await rm(resolve(path), { recursive: true, force: true });
      const finalizers = (pv.metadata?.finalizers ?? []).filter((f) => f !== LOCAL_PATH_CLEANUP_FINALIZER);
      await client.update(resources.persistentvolumes, undefined, { ...pv, metadata: { ...pv.metadata, finalizers } });
      logger.info(`agent: removed local-path volume ${name} (${path ?? ''})`);
    } catch (e) {
      if (!isNotFound(e)) logger.warn(`agent: local-path cleanup of ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      busy.delete(name);
    }
  }

  const onVolume = (pv: PersistentVolume): void => {
    if (!pv.metadata?.deletionTimestamp || localPathNode(pv) !== nodeName) return;
    const finalizers = pv.metadata.finalizers ?? [];
    // Wait for pv-protection: it is dropped only once no claim is bound to the volume.
    if (!finalizers.includes(LOCAL_PATH_CLEANUP_FINALIZER) || finalizers.includes('kubernetes.io/pv-protection')) return;
    void cleanUp(pv);
  };
  informer.on('add', onVolume);
  informer.on('update', (_o, pv) => onVolume(pv));
  void informer.start(opts.signal);
}
