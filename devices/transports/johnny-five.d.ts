// johnny-five ships no types and @types/johnny-five is not installed: declare only what
// johnny-five-gpio.ts and its tests use.
declare module "johnny-five" {
  import type { EventEmitter } from "node:events";

  export class Board extends EventEmitter {
    constructor(options: {
      io: unknown;
      repl?: boolean;
      debug?: boolean;
      sigint?: boolean;
      timeout?: number;
    });
    io: unknown;
    isReady: boolean;
  }

  export class Relay {
    constructor(options: { pin: number; type?: "NO" | "NC"; board: Board });
    open(): this;
    close(): this;
  }

  const five: { Board: typeof Board; Relay: typeof Relay };
  export default five;
}
