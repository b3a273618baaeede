/**
 * A container could not be created; `reason` is the upstream waiting reason shown in
 * `state.waiting.reason` (`CreateContainerConfigError`, `ErrImagePull`, `ErrImageNeverPull`,
 * `CreateContainerError`, ...) and `message` its message.
 */
export class ContainerStartError extends Error {
  override name = 'ContainerStartError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function configError(message: string): ContainerStartError {
  return new ContainerStartError('CreateContainerConfigError', message);
}
