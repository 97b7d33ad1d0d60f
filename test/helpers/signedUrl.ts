import { URL_SIGNING_PARAMS } from "../../signer/src/lib/constants";

const SIGNING = new Set<string>(URL_SIGNING_PARAMS);

/** Splits a signed URL into the URL without signing parameters and the signing parameter values. */
export function splitSignedUrl(url: string): { base: string; params: Record<string, string> } {
  const q = url.indexOf("?");
  if (q === -1) return { base: url, params: {} };
  const own: string[] = [];
  const params: Record<string, string> = {};
  for (const pair of url.slice(q + 1).split("&")) {
    const eq = pair.indexOf("=");
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (SIGNING.has(name)) params[name] = pair.slice(eq + 1);
    else own.push(pair);
  }
  return { base: own.length ? `${url.slice(0, q)}?${own.join("&")}` : url.slice(0, q), params };
}

/** Decodes CloudFront base64 independently of the library under test. */
export function decodeCf(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
}
