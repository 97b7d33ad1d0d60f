// The longest lifetime cf-sign signs without --allow-long-expiry, and the check behind it.
// 7 days: the same ceiling AWS puts on S3 presigned URLs (SigV4), so it is familiar; a signed URL or cookie
// cannot be revoked short of removing its key from the key group, and key rotation (step 3) waits for the
// longest lifetime in use before the old key can go. Much longer values are usually a unit or typing slip.

export const MAX_EXPIRY_SECONDS = 7 * 86400;

/** "7 days", "1 day" (the maximum is a whole number of days). */
export const MAX_EXPIRY_TEXT = `${MAX_EXPIRY_SECONDS / 86400} days`;

/** True when an expiry (epoch seconds) lies more than the maximum after `now`. */
export function exceedsMaxExpiry(expires: number, now: Date): boolean {
  return Math.floor(expires) - now.getTime() / 1000 > MAX_EXPIRY_SECONDS;
}
