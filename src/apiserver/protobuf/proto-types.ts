// The shape of the protobuf field table (generated/k8s-proto-fields.json): a type-only file, so
// the table's loader and the passes that annotate it (json-names.ts) import it without a cycle.

/** Scalar kinds as named by descriptor.proto's FieldDescriptorProto.Type; 'message' covers maps too. */
export type ProtoKind =
  | 'double'
  | 'float'
  | 'int64'
  | 'uint64'
  | 'int32'
  | 'fixed64'
  | 'fixed32'
  | 'bool'
  | 'string'
  | 'message'
  | 'bytes'
  | 'uint32'
  | 'enum'
  | 'sfixed32'
  | 'sfixed64'
  | 'sint32'
  | 'sint64';

export interface ProtoField {
  /** JSON property name (the proto field name; Kubernetes names proto fields after the JSON tags). */
  n: string;
  t: ProtoKind;
  /** Repeated (a list, or a map when the message type is a map entry). */
  r?: true;
  /** Fully qualified message type without the leading dot, e.g. `k8s.io.api.core.v1.PodSpec`. */
  m?: string;
  /**
   * A Go value field (gogoproto.nullable=false): the Go encoder writes it even when zero, so a zero
   * on the wire means "unset" and is dropped, as Go's zero value would be. Pointer fields keep zeros.
   */
  v?: true;
  /**
   * A value field whose JSON tag has no `omitempty` (OpenAPI: required): Go writes its zero to JSON,
   * so a zero on the wire is kept (`PriorityClass.value: 0`). Set by markZeroKeptFields.
   */
  z?: true;
  /**
   * A Go struct embedded with `json:",inline"` (Volume.volumeSource, Probe.handler, ...): its fields
   * belong to the parent's JSON object. Known from the OpenAPI schemas, which the descriptors lack.
   */
  i?: true;
}

export interface ProtoMessage {
  /** Field number → field. */
  f: Record<string, ProtoField>;
  /** A synthesized map entry message ({1: key, 2: value}). */
  map?: true;
  /** A Go named slice (`type ExtraValue []string`) wrapped as {1: repeated items}: JSON is the bare array. */
  slice?: true;
}

export interface ProtoTable {
  /** Where the descriptors came from (binary path and version), for error messages and debugging. */
  source: string;
  messages: Record<string, ProtoMessage>;
}
