import type { AwsClientOptions } from "../lib/awsClient";
import { InputError } from "../lib/errors";

/** The CLI's AWS timeout settings (environment), next to the AWS SDK's own AWS_MAX_ATTEMPTS. */
export const AWS_TIMEOUT_ENV = {
  connectionTimeoutMs: "CF_SIGN_AWS_CONNECTION_TIMEOUT_MS",
  requestTimeoutMs: "CF_SIGN_AWS_REQUEST_TIMEOUT_MS",
} as const;

/**
 * The timeouts of the KMS and Secrets Manager clients cf-sign builds, from CF_SIGN_AWS_CONNECTION_TIMEOUT_MS and
 * CF_SIGN_AWS_REQUEST_TIMEOUT_MS (whole milliseconds; unset: the library's defaults). Attempts: AWS_MAX_ATTEMPTS,
 * read by the AWS SDK itself. A bad value is one line naming the variable.
 */
export function awsOptionsFromEnv(env: NodeJS.ProcessEnv): AwsClientOptions {
  const options: AwsClientOptions = {};
  for (const [field, name] of Object.entries(AWS_TIMEOUT_ENV) as [keyof typeof AWS_TIMEOUT_ENV, string][]) {
    const text = env[name];
    if (text === undefined || text === "") continue;
    const value = Number(text);
    if (!/^\d{1,6}$/.test(text) || value < 1 || value > 600_000) {
      throw new InputError(`${name}: "${text.slice(0, 20)}" is not a number of milliseconds from 1 to 600000; unset it for the default`);
    }
    options[field] = value;
  }
  return options;
}
