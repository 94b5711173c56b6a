import { z } from "zod";

/**
 * An HTTPS page's settings (the door's admin page, `web`; the hub's auditor page, `hub.http`):
 * on by default, reachable only from the machine itself until `bind` says otherwise.
 */
export function httpsPageSchema(defaultPort: number) {
  return z
    .object({
      enabled: z.boolean().default(true),
      bind: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65_535).default(defaultPort),
      /**
       * Extra names the page is reached under (a DNS name pointing at the machine). Its own
       * hostname, hostname.local, localhost and its interface addresses are always accepted;
       * requests naming any other host are refused (DNS rebinding).
       */
      hostnames: z.array(z.string().min(1).max(253)).max(20).default([]),
      /** PEM files; both or neither. Without them a self-signed pair is generated into the data dir. */
      cert_file: z.string().min(1).nullable().default(null),
      key_file: z.string().min(1).nullable().default(null),
      session_idle_min: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(30),
      login: z
        .object({
          /** Consecutive wrong passwords for one name from one address before that pair is throttled (never the account for everyone). */
          max_failures: z.number().int().min(1).max(100).default(5),
          /** The first throttle; each repeat doubles it, up to an hour. */
          lockout_s: z.number().int().min(1).max(86_400).default(300),
          /** Login attempts allowed per client address per minute, whatever the account. */
          per_minute: z.number().int().min(1).max(1000).default(10),
        })
        .strict()
        .default({ max_failures: 5, lockout_s: 300, per_minute: 10 }),
    })
    .strict()
    .superRefine((w, ctx) => {
      if ((w.cert_file === null) !== (w.key_file === null))
        ctx.addIssue({ code: "custom", path: ["cert_file"], message: "cert_file and key_file go together" });
    })
    .default({
      enabled: true,
      bind: "127.0.0.1",
      port: defaultPort,
      hostnames: [],
      cert_file: null,
      key_file: null,
      session_idle_min: 30,
      login: { max_failures: 5, lockout_s: 300, per_minute: 10 },
    });
}

/** The door's admin HTTPS server. */
export const webSchema = httpsPageSchema(8443);

/** The simulator panel (plain HTTP, localhost only), served by `npm start` beside the console. */
export const simulatorPanelSchema = z
  .object({
    enabled: z.boolean().default(true),
    port: z.number().int().min(0).max(65_535).default(8080),
  })
  .strict()
  .default({ enabled: true, port: 8080 });

/** Spread into the settings object with one line. */
export const webSettingsShape = { web: webSchema, simulator_panel: simulatorPanelSchema };

export type WebSettings = z.infer<typeof webSchema>;
export type SimulatorPanelSettings = z.infer<typeof simulatorPanelSchema>;
