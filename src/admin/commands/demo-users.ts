/** Demo credentials on an empty simulated controller: alice has the finger in sensor slot 1 (`finger 1`) and badge 12345678. */
export const DEMO_USERS = [
  { name: "alice", pin: "1234", slot: 1, badge: "12345678" },
  { name: "bob", pin: "5678", slot: 2, badge: "87654321" },
];
