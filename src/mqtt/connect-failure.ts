/**
 * Why a connection to the broker failed, as one snake_case reason for the log. TLS failures get
 * their own reasons because they do not heal by retrying: an untrusted broker certificate means
 * the wrong CA file, the wrong broker, or someone in between, and an operator must look.
 */
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
]);

export function connectFailureReason(err: Error & { code?: string | number }): string {
  const code = typeof err.code === "string" ? err.code : "";
  if (UNTRUSTED.has(code)) return "tls_untrusted_broker";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "tls_broker_name_mismatch";
  if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") return "tls_broker_cert_expired";
  // The broker ended the handshake with an alert: it did not accept our certificate (or we sent none).
  if (code.startsWith("ERR_SSL_") || /alert|certificate required/i.test(err.message))
    return "tls_refused_by_broker";
  if (code === "ECONNREFUSED") return "connection_refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "broker_not_found";
  if (/not authori[sz]ed|bad user ?name or password/i.test(err.message)) return "not_authorized";
  return "connect_failed";
}
