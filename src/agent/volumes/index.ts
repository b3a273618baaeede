export { setUpEmptyDir, tearDownVolumeDir, type EmptyDirOptions } from './empty-dir.ts';
export { prepareHostPath, HostPathTypeError, type HostPathType } from './host-path.ts';
export { writeVolumeFiles, type VolumeFile, type WriteVolumeFilesOptions } from './volume-files.ts';
export { resolveSubPath, SubPathError } from './sub-path.ts';
export { claimVolumePath, ClaimNotReadyError, type ClaimLookup } from './claim-volume.ts';
export { applyFsGroup } from './fs-group.ts';
export { SUPPORTED_PROJECTED_SOURCES, SUPPORTED_VOLUME_SOURCES, unsupportedVolumeSource, type SupportedSources } from './supported-sources.ts';
