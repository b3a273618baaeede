// A label or field selector that cannot be parsed or is not supported. The message is upstream's
// wording (apimachinery labels/fields); the apiserver turns it into a 400 BadRequest verbatim.
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}
