export { ImageStore, type ImageStoreOptions } from './image-store.ts';
export { mountRootfs, unmountRootfs } from './rootfs.ts';
export { normalizeReference, repositoryOf } from './reference.ts';
export { BUSYBOX_NAME } from './busybox.ts';
export { ImageNotFoundError, type ImageConfig, type ImageProgressFn, type ImageRecord, type ImportProgress } from './types.ts';
export { nodeImages, imageRefOf, isBuiltinImage, type PodImages } from './node-images.ts';
export { ImagePuller, type PullProgress, type PullResult } from './registry/puller.ts';
export { InvalidImageNameError, parseImageRef } from './registry/image-ref.ts';
export { loadRegistriesConfig, type RegistriesConfig } from './registry/registry-config.ts';
