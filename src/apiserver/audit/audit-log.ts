// The audit log (kube-apiserver --audit-log-path + --audit-policy-file): one audit.k8s.io/v1 Event
// per request as a JSON line, at stage ResponseComplete, with the level the policy assigns.
// Request bodies are logged at level Request and above; response bodies are not recorded (a
// RequestResponse rule logs what Request does).
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Attributes } from '../authz/attributes.ts';
import type { UserInfo } from '../auth/tokens.ts';
import { levelFor, type AuditPolicy } from './policy.ts';
import { microTime } from '../../api/index.ts';

export interface AuditRecord {
  readonly attributes: Attributes;
  /** The authenticated user when the request impersonated attributes.user. */
  readonly authenticatedAs?: UserInfo;
  readonly requestURI: string;
  readonly sourceIP: string;
  readonly userAgent?: string;
  readonly code: number;
  readonly received: Date;
  readonly requestBody?: Buffer;
}

const userOut = (u: UserInfo): Record<string, unknown> => ({ username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups] });

export class AuditLog {
  private readonly out: WriteStream;
  constructor(
    path: string,
    private readonly policy: AuditPolicy,
  ) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.out.on('error', () => {}); // a full disk must not take the API down
  }

  record(r: AuditRecord): void {
    const a = r.attributes;
    const level = levelFor(this.policy, a);
    if (level === 'None') return;
    const impersonating = r.authenticatedAs && r.authenticatedAs.name !== a.user.name;
    let requestObject: unknown;
    if ((level === 'Request' || level === 'RequestResponse') && r.requestBody?.length) {
      try {
        requestObject = JSON.parse(r.requestBody.toString('utf8'));
      } catch {
        requestObject = undefined; // non-JSON bodies (protobuf, YAML) are not echoed
      }
    }
    // As upstream, a create's objectRef names the object from its body.
    const bodyName = (requestObject as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
    const name = a.name ?? (typeof bodyName === 'string' ? bodyName : undefined);
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: randomUUID(),
      stage: 'ResponseComplete',
      requestURI: r.requestURI,
      verb: a.verb,
      user: userOut(impersonating ? r.authenticatedAs! : a.user),
      ...(impersonating ? { impersonatedUser: userOut(a.user) } : {}),
      sourceIPs: [r.sourceIP],
      ...(r.userAgent ? { userAgent: r.userAgent } : {}),
      ...(a.resourceRequest
        ? {
            objectRef: {
              resource: a.resource,
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(name ? { name } : {}),
              apiGroup: a.apiGroup ?? '',
              apiVersion: a.apiVersion,
              ...(a.subresource ? { subresource: a.subresource } : {}),
            },
          }
        : {}),
      responseStatus: { metadata: {}, code: r.code },
      ...(requestObject !== undefined ? { requestObject } : {}),
      requestReceivedTimestamp: microTime(r.received),
      stageTimestamp: microTime(new Date()),
    };
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
