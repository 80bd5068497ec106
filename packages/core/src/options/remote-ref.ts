/** Whether a context or source is a remote reference (a Git URL) rather than a local path. */
export const isRemoteRef = (value: string): boolean =>
  /^(https?:\/\/|git:\/\/|ssh:\/\/|git@|github\.com\/)/.test(value);
