// Protobuf request bodies for built-in kinds (what kubectl's typed clients send).
export { decodeProtobufBody, messageTypeFor, PROTOBUF_MEDIA_TYPE } from './decode-body.ts';
export type { DecodeProtobufOptions } from './decode-body.ts';
export { buildProtoTable, extractK8sFileDescriptors } from './descriptors.ts';
export { loadProtoTable } from './proto-table.ts';
export type { ProtoTable } from './proto-table.ts';
