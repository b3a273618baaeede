export { ensurePki, type EnsurePkiOptions, type Pki } from './certs.ts';
export { readFileIfExists, writeFileAtomic, type WriteFileOptions } from './private-file.ts';
