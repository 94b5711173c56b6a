export async function checkTrailKey(_a: unknown, _b: unknown): Promise<unknown> {
  throw new Error("not yet");
}
