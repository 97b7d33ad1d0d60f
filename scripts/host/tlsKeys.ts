// Real key material for the tls:index/privateKey:PrivateKey mock, shaped like the tls provider's outputs.
import * as crypto from "node:crypto";

/** tls provider curve names -> OpenSSL names (P224 is the provider's default, which CloudFront rejects). */
const CURVES: Record<string, { openssl: string; ssh?: string }> = {
    P224: { openssl: "secp224r1" }, // OpenSSH has no P-224 key type: the provider leaves the OpenSSH fields empty
    P256: { openssl: "prime256v1", ssh: "nistp256" },
    P384: { openssl: "secp384r1", ssh: "nistp384" },
    P521: { openssl: "secp521r1", ssh: "nistp521" },
};

export interface TlsKeyRequest {
    algorithm: string;
    /** RSA only; the provider's default is 2048 */
    rsaBits?: number;
    /** ECDSA only; the provider's default is P224 */
    ecdsaCurve?: string;
}

/** The computed outputs of a tls PrivateKey (the provider also returns privateKeyOpenssh, which nothing here uses). */
export interface TlsKeyMaterial {
    privateKeyPem: string;
    privateKeyPemPkcs8: string;
    publicKeyPem: string;
    publicKeyOpenssh: string;
    publicKeyFingerprintMd5: string;
    publicKeyFingerprintSha256: string;
    /** the provider's resource id: SHA-1 hex of the public key PEM */
    id: string;
}

function sshString(data: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, data]);
}

/** SSH mpint: big-endian, with a leading zero byte when the high bit is set. */
function sshMpint(b64url: string): Buffer {
    let bytes = Buffer.from(b64url, "base64url");
    while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] & 0x80) === 0) bytes = bytes.subarray(1);
    if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return sshString(bytes);
}

/** The SSH wire-format public key blob, or undefined when OpenSSH has no such key type (P-224). */
function sshPublicBlob(publicKey: crypto.KeyObject, curve?: string): { type: string; blob: Buffer } | undefined {
    if (publicKey.asymmetricKeyType === "rsa") {
        const jwk = publicKey.export({ format: "jwk" });
        const type = "ssh-rsa";
        return { type, blob: Buffer.concat([sshString(Buffer.from(type)), sshMpint(jwk.e!), sshMpint(jwk.n!)]) };
    }
    const ssh = curve ? CURVES[curve]?.ssh : undefined;
    if (!ssh) return undefined;
    const jwk = publicKey.export({ format: "jwk" }); // Node has no JWK for P-224, hence after the check
    const type = `ecdsa-sha2-${ssh}`;
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    return { type, blob: Buffer.concat([sshString(Buffer.from(type)), sshString(Buffer.from(ssh)), sshString(point)]) };
}

/** Generates key material the way the tls provider does: RSA (PKCS#1 PEM) or ECDSA (SEC1 PEM), SPKI public PEM. */
export function generateTlsKey(req: TlsKeyRequest): TlsKeyMaterial {
    let pair: crypto.KeyPairKeyObjectResult;
    let curve: string | undefined;
    if (req.algorithm === "RSA") {
        pair = crypto.generateKeyPairSync("rsa", { modulusLength: req.rsaBits ?? 2048, publicExponent: 0x10001 });
    } else if (req.algorithm === "ECDSA") {
        curve = req.ecdsaCurve ?? "P224";
        const known = CURVES[curve];
        if (!known) throw new Error(`tls mock: unsupported ecdsaCurve "${curve}" (use P224, P256, P384 or P521)`);
        pair = crypto.generateKeyPairSync("ec", { namedCurve: known.openssl });
    } else {
        throw new Error(`tls mock: unsupported algorithm "${req.algorithm}" (use RSA or ECDSA)`);
    }
    const privateKeyPem = pair.privateKey.export({ type: req.algorithm === "RSA" ? "pkcs1" : "sec1", format: "pem" }).toString();
    const privateKeyPemPkcs8 = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString(); // ends with "\n"
    const ssh = sshPublicBlob(pair.publicKey, curve);
    return {
        privateKeyPem,
        privateKeyPemPkcs8,
        publicKeyPem,
        publicKeyOpenssh: ssh ? `${ssh.type} ${ssh.blob.toString("base64")}\n` : "",
        publicKeyFingerprintMd5: ssh
            ? (crypto.createHash("md5").update(ssh.blob).digest("hex").match(/../g) ?? []).join(":")
            : "",
        publicKeyFingerprintSha256: ssh
            ? `SHA256:${crypto.createHash("sha256").update(ssh.blob).digest("base64").replace(/=+$/, "")}`
            : "",
        id: crypto.createHash("sha1").update(publicKeyPem).digest("hex"),
    };
}
