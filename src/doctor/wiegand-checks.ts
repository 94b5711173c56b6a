import { wiegandFormatsDefaulted } from "../config/badge-schema.js";
import type { BadgeReaderSettings } from "../config/door-schema.js";
import { doorsOf } from "../config/doors.js";
import type { Settings } from "../config/schema.js";
import type { CheckResult } from "./checks.js";

/** A Wiegand reader of the configuration; `label` names it in its row, `setting` says what to set. */
interface ConfiguredWiegandReader {
  label: string;
  setting: string;
  wiegand: BadgeReaderSettings["wiegand"];
}

/**
 * Every Wiegand reader the configuration names: with a `doors:` list each badge reader reading
 * Wiegand (`door/reader`), in a single-door file `badge.reader: wiegand`. `reader: auto` is left
 * out: it is a Wiegand reader only in simulation, where the simulator wires its own.
 */
function wiegandReadersOf(settings: Settings): ConfiguredWiegandReader[] {
  if (!settings.doors) {
    if (settings.badge.reader !== "wiegand") return [];
    return [
      {
        label: "badge",
        setting: "set badge.wiegand.formats to the one format this reader sends",
        wiegand: settings.badge.wiegand,
      },
    ];
  }
  return doorsOf(settings).flatMap((d) =>
    d.readers.flatMap((r) =>
      r.kind === "badge" && r.reader === "wiegand"
        ? [
            {
              label: `${d.id}/${r.id}`,
              setting: `set wiegand.formats of reader ${r.id} (door ${d.id}) to the one format it sends`,
              wiegand: r.wiegand,
            },
          ]
        : [],
    ),
  );
}

/**
 * One row per Wiegand reader: formats left on the default (both W26 and W34) warns. Wiegand has
 * no length field, so the first 26 bits of a 34-bit card cut short (a stall, a loose wire) pass
 * 26-bit parity about 1 time in 4 and decode as another card's number; with the reader's one
 * format set they are a bad_read. Formats set in the config pass, both included: the admin chose.
 */
export function checkWiegandFormats(settings: Settings): CheckResult[] {
  return wiegandReadersOf(settings).map(({ label, setting, wiegand }): CheckResult => {
    const name = `wiegand ${label}`;
    const lines = `D0 GPIO${wiegand.d0_line}, D1 GPIO${wiegand.d1_line}`;
    if (!wiegandFormatsDefaulted(wiegand.formats))
      return { name, status: "pass", detail: `${lines}; formats ${wiegand.formats.join(", ")}` };
    return {
      name,
      status: "warn",
      detail: `${lines}; formats not set, so both W26 and W34 frames are read: the first 26 bits of a 34-bit card cut short (a stall, a loose wire) pass 26-bit parity about 1 time in 4 and read as another card's number`,
      fix: `${setting}: [W26] or [W34]`,
    };
  });
}
