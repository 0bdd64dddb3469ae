// Verify Herald's X-Herald-Signature-256 header (Node.js standard library only).
import { createHmac, timingSafeEqual } from "node:crypto";

export const TOLERANCE_SECONDS = 300;

// A `whsec_<base64>` secret is base64-decoded; any other secret is used as its UTF-8 bytes.
export function signingKey(secret) {
  return secret.startsWith("whsec_")
    ? Buffer.from(secret.slice("whsec_".length), "base64")
    : Buffer.from(secret, "utf8");
}

// True when `header` (`t=<unix seconds>,v1=<hex>`) signs `rawBody` (a Buffer of the bytes received)
// and t is fresh.
export function verify(secret, header, rawBody, now = Date.now() / 1000) {
  if (!header) return false;
  let timestamp = "";
  const signatures = [];
  for (const part of header.split(",")) {
    const [name, ...rest] = part.trim().split("=");
    const value = rest.join("=");
    if (name === "t") timestamp = value;
    else if (name === "v1") signatures.push(value);
  }
  if (!/^[0-9]{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) {
    return false; // too old (a replay) or too far in the future
  }
  const expected = Buffer.from(
    createHmac("sha256", signingKey(secret)).update(`${timestamp}.`).update(rawBody).digest("hex"),
  );
  return signatures.some((signature) => {
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
