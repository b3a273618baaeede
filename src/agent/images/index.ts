export { ImageStore, type ImageStoreOptions } from './image-store.ts';
export { mountRootfs, unmountRootfs } from './rootfs.ts';
export { normalizeReference, repositoryOf } from './reference.ts';
export { BUSYBOX_NAME } from './busybox.ts';
export { ImageNotFoundError, type ImageConfig, type ImageProgressFn, type ImageRecord, type ImportProgress } from './types.ts';
