/** n doors for the benchmarks: each on its own relay/contact/REX lines with one keypad at its own address. */
export function benchDoorsConfig(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `door${i}`,
    gpio: { relay: { line: 4 + 3 * i }, door_contact: { line: 5 + 3 * i }, rex: { line: 6 + 3 * i } },
    readers: [{ id: `door${i}-keypad`, kind: "keypad", address: 0x34 + i }],
  }));
}
