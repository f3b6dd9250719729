// The single failure path's message, whatever was thrown (peter-evans/create-pull-request's getErrorMessage).
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
