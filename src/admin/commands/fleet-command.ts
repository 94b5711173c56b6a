import { parseArgs } from "node:util";
import mqtt from "mqtt";
import { systemClock } from "../../../devices/system-clock.js";
import { createLogger } from "../../logger.js";
import { mqttClientOptions } from "../../mqtt/connect-options.js";
import { publishFleetAllowlist, signedCommand } from "../../mqtt/fleet-publisher.js";
import { FleetResyncResponder } from "../../mqtt/fleet-resync-responder.js";
import { loadPrivateKey } from "../../mqtt/signed-envelope.js";
import { doorPrefix, fleetTopics } from "../../mqtt/topics.js";
import { KeyValueStore } from "../../store/key-value-store.js";
import { StoreError } from "../../store/user-store.js";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";

export const FLEET_USAGE = `doorward fleet add|remove GROUP USER           (who goes in GROUP's allowlist)
doorward fleet members GROUP
doorward fleet publish --group G --key admin.key   (signed snapshot + delta to the doors of G, via mqtt.url)
doorward fleet serve --group G --key admin.key     (answers doors' resync requests until Ctrl-C)
doorward fleet command unlock|lock|lockdown-on|lockdown-off (--door D [--prefix P] | --group G) --key admin.key
  (group topics live under mqtt.fleet_prefix; a door's topics under --prefix, default doorward/D)`;

export async function fleetCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      group: { type: "string" },
      door: { type: "string" },
      prefix: { type: "string" },
      key: { type: "string" },
    },
  });
  const out = (line: string) => io.stdout.write(`${line}\n`);
  if (!sub || !["add", "remove", "members", "publish", "command", "serve"].includes(sub)) {
    throw new UsageError(sub ? `unknown fleet command '${sub}'` : "missing fleet command", FLEET_USAGE);
  }
  if ((sub === "publish" || sub === "command" || sub === "serve") && !values.key)
    throw new UsageError(`fleet ${sub}: --key is required`, FLEET_USAGE);
  const ctx = openAdminContext(values.config, io.env);
  try {
    const { db, users } = ctx;
    switch (sub) {
      case "add":
      case "remove": {
        const [group, name] = positionals;
        if (!group || !name || positionals.length !== 2)
          throw new UsageError(`fleet ${sub}: expected GROUP USER`, FLEET_USAGE);
        const user = users.require(name);
        // Who may enter a group's doors is an admin change like any other: audited, with its row.
        ctx.audit.atomically(() => {
          const changed =
            sub === "add"
              ? db
                  .prepare("INSERT OR IGNORE INTO fleet_group_members (group_name, user_id) VALUES (?, ?)")
                  .run(group, user.id).changes
              : db
                  .prepare("DELETE FROM fleet_group_members WHERE group_name = ? AND user_id = ?")
                  .run(group, user.id).changes;
          ctx.audit.append(
            {
              kind: "system",
              reason: sub === "add" ? "fleet_member_added" : "fleet_member_removed",
              userCode: user.userCode,
              detail: { by: ctx.actor, group, ...(changed === 0 ? { unchanged: true } : {}) },
            },
            systemClock.now(),
          );
        });
        out(
          `${user.userCode} ${sub === "add" ? "added to" : "removed from"} ${group}; publish with: doorward fleet publish --group ${group}`,
        );
        return 0;
      }
      case "members": {
        const group = positionals[0];
        if (!group) throw new UsageError("fleet members: expected GROUP", FLEET_USAGE);
        for (const r of db
          .prepare<[string], { user_code: string; name: string }>(
            "SELECT u.user_code, u.name FROM users u JOIN fleet_group_members m ON m.user_id = u.id WHERE m.group_name = ? ORDER BY u.name",
          )
          .all(group))
          out(`${r.user_code}\t${r.name}`);
        return 0;
      }
    }
    const key = loadPrivateKey(values.key as string);
    const opts = mqttClientOptions(ctx.settings.mqtt, `doorward-admin-${process.pid}`, null, {
      reconnectPeriod: sub === "serve" ? 2000 : 0, // serve runs for hours: ride out broker restarts
    });
    const client = await mqtt.connectAsync(ctx.settings.mqtt.url, opts).catch((err: Error) => {
      throw new StoreError(`cannot reach the broker at ${ctx.settings.mqtt.url}: ${err.message}`);
    });
    try {
      if (sub === "serve") {
        if (!values.group) throw new UsageError("fleet serve: --group is required", FLEET_USAGE);
        const responder = new FleetResyncResponder({
          client,
          kv: new KeyValueStore(db),
          group: values.group,
          fleetPrefix: ctx.settings.mqtt.fleet_prefix,
          privateKey: key,
          log: createLogger(ctx.settings.log_level),
          now: () => systemClock.now(),
        });
        await responder.start();
        out(`answering resync requests for ${values.group}; Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        return 0;
      }
      if (sub === "publish") {
        if (!values.group) throw new UsageError("fleet publish: --group is required", FLEET_USAGE);
        const r = await publishFleetAllowlist({
          db,
          kv: new KeyValueStore(db),
          client,
          group: values.group,
          fleetPrefix: ctx.settings.mqtt.fleet_prefix,
          privateKey: key,
          nowMs: systemClock.now(),
        });
        out(
          `published ${values.group} allowlist version ${r.version} (${r.users} users${r.delta ? `; delta +${r.delta.upsert} -${r.delta.remove}` : ""})`,
        );
        return 0;
      }
      const action = positionals[0];
      const map = {
        unlock: ["unlock"],
        lock: ["lock"],
        "lockdown-on": ["lockdown", "on"],
        "lockdown-off": ["lockdown", "off"],
      } as const;
      const chosen = action ? map[action as keyof typeof map] : undefined;
      if (!chosen || !values.door === !values.group)
        throw new UsageError("fleet command: ACTION and one of --door/--group", FLEET_USAGE);
      const target = values.door ? { door: values.door } : { group: values.group as string };
      const topic = values.door
        ? `${doorPrefix(values.door, values.prefix ?? null)}/command`
        : fleetTopics(ctx.settings.mqtt.fleet_prefix, values.group as string).command;
      const payload = signedCommand(key, {
        action: chosen[0],
        ...(chosen[1] ? { value: chosen[1] } : {}),
        target,
        tsMs: systemClock.now(),
      });
      await client.publishAsync(topic, payload, { qos: 1, retain: false });
      out(`sent ${action} to ${topic}`);
      return 0;
    } finally {
      await client.endAsync();
    }
  } finally {
    ctx.close();
  }
}
