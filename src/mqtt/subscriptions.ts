import type { MqttTopics } from "./topics.js";

export type Subscriptions = Record<string, { qos: 1; rap?: boolean }>;

/**
 * What a door subscribes to. Command topics get retain-as-published on MQTT 5: a retained command
 * then keeps its flag on live delivery too, so it is refused whether it was on the broker before
 * the door subscribed or arrives after (3.1.1 brokers clear the flag on live delivery).
 */
export function doorSubscriptions(
  topics: MqttTopics,
  mqtt5: boolean,
  extra: Array<string | null>,
): Subscriptions {
  const subs: Subscriptions = {};
  for (const t of [topics.command, topics.haLockSet, topics.groupCommand])
    if (t) subs[t] = mqtt5 ? { qos: 1, rap: true } : { qos: 1 };
  for (const t of [topics.haStatus, topics.allowlistSnapshot, topics.allowlistDelta, ...extra])
    if (t) subs[t] = { qos: 1 };
  return subs;
}

/** A broker refusing MQTT 5: 3.1.1's CONNACK "unacceptable protocol version" (1), or 5's 0x84. */
export function refusesMqtt5(err: { code?: string | number }): boolean {
  return err.code === 1 || err.code === 132;
}
