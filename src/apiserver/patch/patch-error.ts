// A patch that cannot be applied. The handler maps it to a Status: `code` 422 for a well-formed
// patch that does not apply to this object (failed test, missing path, bad merge key), 400 for a
// malformed patch document.
export class PatchError extends Error {
  readonly code: 400 | 422;
  constructor(message: string, code: 400 | 422 = 422) {
    super(message);
    this.name = 'PatchError';
    this.code = code;
  }
}
