import { describe, expect, it } from "vitest";
import { connectFailureReason } from "../../src/mqtt/connect-failure.js";

const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe("connectFailureReason", () => {
  it.each([
    [
      err("unable to verify the first certificate", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
      "tls_untrusted_broker",
    ],
    [err("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT"), "tls_untrusted_broker"],
    [err("Hostname/IP does not match", "ERR_TLS_CERT_ALTNAME_INVALID"), "tls_broker_name_mismatch"],
    [err("certificate has expired", "CERT_HAS_EXPIRED"), "tls_broker_cert_expired"],
    [err("alert certificate required", "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"), "tls_refused_by_broker"],
    [err("connect ECONNREFUSED 127.0.0.1:8883", "ECONNREFUSED"), "connection_refused"],
    [err("getaddrinfo ENOTFOUND broker", "ENOTFOUND"), "broker_not_found"],
    [err("Connection refused: Not authorized"), "not_authorized"],
    [err("something else"), "connect_failed"],
  ])("%s → %s", (e, reason) => {
    expect(connectFailureReason(e)).toBe(reason);
  });
});
