// Typed access to the query parameters Kubernetes clients send.
import { badRequest } from '../errors.ts';

export class Query {
  constructor(private readonly params: URLSearchParams) {}
  str(name: string): string | undefined {
    const v = this.params.get(name);
    return v === null ? undefined : v;
  }
  all(name: string): string[] {
    return this.params.getAll(name);
  }
  /** Kubernetes accepts true/1 (and the conformance tests send 1). */
  bool(name: string): boolean {
    const v = this.params.get(name);
    return v === 'true' || v === '1' || v === '';
  }
  int(name: string): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
    return Number(v);
  }
}
