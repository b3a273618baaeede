/** The parts of an OCI image config a container needs to run. */
export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  stopSignal?: string;
}

export interface ImageRecord {
  /** `sha256:<hex>` of the image config blob. */
  id: string;
  /** Normalised references (`busybox:latest`, `example.com/app:v1`). */
  names: string[];
  /** Layer diff IDs, bottom first; each is unpacked at `<dataDir>/layers/<hex>`. */
  layers: string[];
  config: ImageConfig;
  /** Sum of the uncompressed layer sizes (archive import) or of the compressed blobs (registry pull, as containerd reports). */
  size: number;
  /** `<registry>/<repository>@<manifest digest>` for images pulled from a registry (what status.containerStatuses[].imageID shows). */
  repoDigests?: string[];
  importedAt: string;
}

export interface ImportProgress {
  phase: 'extract' | 'layer' | 'done';
  /** 1-based index of the layer being unpacked, for phase `layer`. */
  current: number;
  total: number;
  message: string;
}

export type ImageProgressFn = (p: ImportProgress) => void;

export class ImageNotFoundError extends Error {
  constructor(readonly reference: string) {
    super(`image "${reference}" not found in the local store`);
    this.name = 'ImageNotFoundError';
  }
}
