import type { GpioLine } from "../types.js";

/**
 * A debounced contact (door contact, request-to-exit button, tamper switch). Debouncing
 * happens in the GPIO line (opened with debounceMs); this adds a boolean meaning and the
 * initial reading, so a door already open at start is known.
 */
export class BinaryInput {
  private unwatch: (() => void) | null = null;

  constructor(
    private readonly line: GpioLine,
    private readonly onChange: (active: boolean, atMs: number) => void,
  ) {}

  async start(): Promise<boolean> {
    this.unwatch = this.line.watch((level, atMs) => this.onChange(level === 1, atMs));
    return (await this.line.read()) === 1;
  }

  async read(): Promise<boolean> {
    return (await this.line.read()) === 1;
  }

  stop(): void {
    this.unwatch?.();
    this.unwatch = null;
  }
}
