import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";

/** PEM files of a throwaway PKI, written 0600 into a temp dir (what a door's tls.* keys name). */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** PEM text, for servers started in-process. */
  pem: {
    ca: string;
    caKey: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
  };
}

const ALG = { keyType: "ec", algorithm: "sha256" } as const;

/** Another client certificate from the same CA (Home Assistant, the admin workstation). */
export async function issueClientCert(pki: TestPki, cn: string): Promise<{ cert: string; key: string }> {
  return issue(cn, { key: pki.pem.caKey, cert: pki.pem.ca }, "client");
}

async function issue(
  cn: string,
  ca: { key: string; cert: string },
  usage: "server" | "client",
): Promise<{ cert: string; key: string }> {
  const r = await generate([{ name: "commonName", value: cn }], {
    ...ALG,
    ca,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      usage === "server"
        ? { name: "extKeyUsage", serverAuth: true }
        : { name: "extKeyUsage", clientAuth: true },
      ...(usage === "server"
        ? [
            {
              name: "subjectAltName" as const,
              altNames: [
                { type: 2 as const, value: "localhost" },
                { type: 7 as const, ip: "127.0.0.1" },
              ],
            },
          ]
        : []),
    ],
  });
  return { cert: r.cert, key: r.private };
}

/**
 * A CA, a broker certificate for 127.0.0.1/localhost and a client certificate with CN `clientCn`,
 * all EC P-256 (fast to make). Generated per test run; nothing is downloaded or kept.
 */
export async function makeTestPki(dir: string, clientCn: string): Promise<TestPki> {
  const caGen = await generate([{ name: "commonName", value: `doorward test CA ${clientCn}` }], {
    ...ALG,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const ca = { key: caGen.private, cert: caGen.cert };
  const server = await issue("broker", ca, "server");
  const client = await issue(clientCn, ca, "client");
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  return {
    dir,
    caFile: file("ca.crt", ca.cert),
    serverCert: file("broker.crt", server.cert),
    serverKey: file("broker.key", server.key),
    clientCertFile: file("door.crt", client.cert),
    clientKeyFile: file("door.key", client.key),
    pem: {
      ca: ca.cert,
      caKey: ca.key,
      serverCert: server.cert,
      serverKey: server.key,
      clientCert: client.cert,
      clientKey: client.key,
    },
  };
}
