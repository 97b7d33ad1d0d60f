// The HTTP side of the AWS clients this package builds (see awsClient.ts): @smithy/node-http-handler, the handler
// the AWS SDK clients ship with, loaded from the client package about to use it (the clients are optional peers),
// with the timeouts, the answer deadline and the size cap. Internal: nothing here is part of the public API.
import { createRequire } from "node:module";
import type { Readable } from "node:stream";
import type { NodeHttpHandler } from "@smithy/node-http-handler";
import {
  AwsClientOptions,
  boundedBody,
  checkAwsClientOptions,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_REQUEST_TIMEOUT_MS,
  regionOfArn,
  ResponseTooLargeError,
} from "./awsClient";
import type { OptionalPeer } from "./optionalPeer";

type NodeHttpHandlerModule = typeof import("@smithy/node-http-handler");

/**
 * @smithy/node-http-handler, the HTTP handler the AWS SDK clients ship with, loaded from the client package that
 * is about to use it (the SDK clients are optional peers of this package; the handler comes with them).
 */
function nodeHttpHandlerFor(peer: OptionalPeer): NodeHttpHandlerModule {
  let from: string;
  try {
    from = require.resolve(peer);
  } catch {
    from = __filename;
  }
  return createRequire(from)("@smithy/node-http-handler") as NodeHttpHandlerModule;
}

/**
 * The HTTP handler of the clients this package builds: Node's handler with a connection timeout, a request
 * timeout that throws (and also bounds an idle socket), then a deadline and a size cap on the answer body.
 */
export function boundedHttpHandler(
  peer: OptionalPeer,
  options: { connectionTimeoutMs?: number; requestTimeoutMs?: number; maxResponseBytes?: number } = {},
): NodeHttpHandler {
  const { NodeHttpHandler: Base } = nodeHttpHandlerFor(peer);
  const connectionTimeout = options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  class BoundedHttpHandler extends Base {
    override async handle(...args: Parameters<NodeHttpHandler["handle"]>): ReturnType<NodeHttpHandler["handle"]> {
      const deadline = Date.now() + requestTimeout;
      const result = await super.handle(...args);
      const body = result.response.body as Readable | undefined;
      if (body !== undefined && body !== null && typeof body.pipe === "function") {
        const declared = Number(result.response.headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxResponseBytes) {
          body.destroy();
          throw new ResponseTooLargeError(maxResponseBytes);
        }
        result.response.body = boundedBody(body, maxResponseBytes, deadline, requestTimeout);
      }
      return result;
    }
  }
  return new BoundedHttpHandler({ connectionTimeout, requestTimeout, throwOnRequestTimeout: true, socketTimeout: requestTimeout });
}

/**
 * The client configuration (`new KMSClient(awsClientConfig(…))`) for a resource: the region its full ARN names
 * (unless options.region is given), the bounded HTTP handler, and maxAttempts when given. Credentials and the
 * endpoint come from the AWS SDK's usual sources (AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_SECRETS_MANAGER, …).
 */
export function awsClientConfig(
  resourceId: string | undefined,
  options: AwsClientOptions | undefined,
  peer: OptionalPeer,
  maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
): { region?: string; maxAttempts?: number; requestHandler: NodeHttpHandler } {
  const checked = checkAwsClientOptions(options);
  const region = checked.region ?? regionOfArn(resourceId);
  return {
    ...(region !== undefined ? { region } : {}),
    ...(checked.maxAttempts !== undefined ? { maxAttempts: checked.maxAttempts } : {}),
    requestHandler: boundedHttpHandler(peer, {
      connectionTimeoutMs: checked.connectionTimeoutMs,
      requestTimeoutMs: checked.requestTimeoutMs,
      maxResponseBytes,
    }),
  };
}
