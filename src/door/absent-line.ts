import type { GpioLine, Level } from "../../devices/types.js";

/**
 * An indicator output a listed door does not have (led_green: null): writes go nowhere. Only for
 * feedback lines; the relay, contact and REX are always real lines.
 */
export class AbsentLine implements GpioLine {
  private level: Level = 0;
  async read(): Promise<Level> {
    return this.level;
  }
  async write(level: Level): Promise<void> {
    this.level = level;
  }
  writeSync(level: Level): void {
    this.level = level;
  }
  watch(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}
