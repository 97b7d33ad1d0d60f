// Tiny HTTP clients for the edge tests: raw sockets for byte-exact request targets.
import * as http from "node:http";
import * as net from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends one request exactly as written (target not normalised) and reads until the server closes.
 * `host` replaces the Host header (default 127.0.0.1:<port>), e.g. to test header injection.
 */
export function rawRequest(port: number, target: string, headers: Record<string, string> = {}, method = "GET", host = `127.0.0.1:${port}`): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout on ${target}`)));
    socket.on("connect", () => {
      const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, "Connection: close"];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    });
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("close", () => {
      const data = Buffer.concat(chunks);
      const split = data.indexOf("\r\n\r\n");
      if (split < 0) return reject(new Error(`no HTTP response for ${target}: ${JSON.stringify(data.toString("latin1").slice(0, 100))}`));
      const [statusLine, ...headerLines] = data.subarray(0, split).toString("latin1").split("\r\n");
      const status = Number(statusLine.split(" ")[1]);
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(":");
        parsed[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let body = data.subarray(split + 4);
      if (parsed["transfer-encoding"] === "chunked") body = Buffer.alloc(0); // the edge never chunks; be safe
      resolve({ status, headers: parsed, body });
    });
  });
}

/** A request through node's client (optionally a keep-alive agent). */
export function get(
  url: string,
  options: { headers?: Record<string, string>; method?: string; agent?: http.Agent } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? "GET", headers: options.headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers[k] = v;
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`timeout on ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/** The CloudFront error code in an XML body, if any. */
export function errorCode(body: Buffer): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body.toString("utf8"))?.[1];
}
