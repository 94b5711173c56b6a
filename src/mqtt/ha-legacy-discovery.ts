/**
 * Before door ids kept '-' in Home Assistant node ids, `records-room` announced itself as node
 * `doorward_records_room`. After the upgrade its old retained configs would stay on the broker
 * as a duplicate device, so the door clears them, but only its own: a config counts as this
 * door's only if it reads this door's state topic. A door really named `records_room` (whose
 * node is that same id now) reads its own state topic, so its configs are never touched.
 */
export function legacyHaNodeId(doorId: string): string {
  return `doorward_${doorId.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** The subscription that finds this door's old configs, or null if its node id did not change. */
export function legacyDiscoveryFilter(doorId: string, node: string, discoveryPrefix: string): string | null {
  const legacy = legacyHaNodeId(doorId);
  return legacy === node ? null : `${discoveryPrefix}/+/${legacy}/+/config`;
}

/** True if `topic` matches the legacy filter and `payload` is a config of this door (by its state topic). */
export function isOwnLegacyConfig(
  filter: string,
  topic: string,
  payload: Buffer,
  stateTopic: string,
): boolean {
  const want = filter.split("/");
  const got = topic.split("/");
  if (got.length !== want.length || !want.every((part, i) => part === "+" || part === got[i])) return false;
  if (payload.length === 0) return false;
  try {
    return (JSON.parse(payload.toString("utf8")) as { state_topic?: unknown }).state_topic === stateTopic;
  } catch {
    return false;
  }
}
