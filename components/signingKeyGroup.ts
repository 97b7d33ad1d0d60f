// SigningKeyGroup: key generations (tls private key + CloudFront public key) in one CloudFront key group,
// rotated without downtime, optionally with the active private key in AWS Secrets Manager.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as tls from "@pulumi/tls";
import * as random from "@pulumi/random";
import { attachKeyGroup, CacheBehaviours } from "./behaviours";
import { createKmsSigningKey, defaultKmsAliasPrefix } from "./kmsKey";
import { kmsSigningPolicyDocument, secretReadPolicyDocument, storedSigningKeyJson } from "./policy";
import { generationResourceAliases, generationResourceName } from "./naming";
import { KeyAlgorithm, KeyGeneration, KeySource, SigningKeyGroupArgs } from "./types";
import { validateSigningKeyGroupArgs } from "./validation";

export const SIGNING_KEY_GROUP_TYPE = "cloudfront-signed-content:index:SigningKeyGroup";

/** tls.PrivateKey inputs CloudFront accepts: RSA 2048, or ECDSA with P256 explicit (the provider defaults to P224). */
export function privateKeyArgsFor(algorithm: KeyAlgorithm): tls.PrivateKeyArgs {
    return algorithm === KeyAlgorithm.RSA ? { algorithm: "RSA", rsaBits: 2048 } : { algorithm: "ECDSA", ecdsaCurve: "P256" };
}

/**
 * Previous names of the component from its `aliases` option (plain `{ name }` aliases and URN strings), so its
 * children can alias their names under them. Aliases given as Outputs cannot be read here and are skipped.
 */
function previousComponentNames(opts: pulumi.ComponentResourceOptions | undefined): string[] {
    const names: string[] = [];
    for (const alias of opts?.aliases ?? []) {
        if (typeof alias === "string") names.push(alias.slice(alias.lastIndexOf("::") + 2));
        else if (alias && typeof alias === "object" && !pulumi.Output.isInstance(alias) && typeof (alias as pulumi.Alias).name === "string") {
            names.push((alias as pulumi.Alias).name as string);
        }
    }
    return names;
}

/**
 * A CloudFront key group with one public key per key generation, for signed URLs and signed cookies.
 *
 * Rotation without downtime: (1) append a generation to `keys` (both keys are trusted; URLs signed with the old
 * key keep working), (2) set `activeKey` to the new generation, (3) once everything signed with the old key has
 * expired, remove the old generation. Public keys are autonamed and their logical names contain the generation
 * id, so adding or removing a generation never replaces another generation's key and the key group is updated in
 * place. The private keys live in Pulumi state, encrypted as secrets.
 */
export class SigningKeyGroup extends pulumi.ComponentResource {
    /** Id of the CloudFront key group: list it in a cache behaviour's trustedKeyGroups. */
    readonly keyGroupId: pulumi.Output<string>;
    /** Key pair id (CloudFront public key id) of the active generation: the `Key-Pair-Id` of signed URLs. */
    readonly activeKeyPairId: pulumi.Output<string>;
    /** Generation id -> CloudFront public key id, for every generation. */
    readonly keyPairIds: pulumi.Output<{ [generation: string]: string }>;
    /** Generation id -> SPKI public key PEM, for every generation. */
    readonly publicKeyPems: pulumi.Output<{ [generation: string]: string }>;
    /**
     * PEM of the active generation's private key (PKCS#1 for RSA, SEC1 for ECDSA). A secret. Undefined when the
     * active generation is a KMS key: its private key never leaves KMS.
     */
    readonly privateKeyPem?: pulumi.Output<string>;
    /**
     * Generation id -> private key PEM, for every tls generation (one secret map): the rotation canary signs with a
     * generation before it becomes active (`cf-sign url --generation ID`). KMS generations have none.
     */
    readonly privateKeyPems: pulumi.Output<{ [generation: string]: string }>;
    /** Where the active generation's private key lives; "kms" means sign through KMS, always with SHA-256. */
    readonly activeKeySource: pulumi.Output<KeySource>;
    /** ARN of the active generation's KMS key (only when it is a KMS key): the key to call kms:Sign with. */
    readonly kmsKeyArn?: pulumi.Output<string>;
    /** IAM policy document (JSON) granting kms:Sign and kms:GetPublicKey on exactly that key (only for a KMS active key). */
    readonly kmsSigningPolicy?: pulumi.Output<string>;
    /** Generation id -> KMS key ARN, for the generations with source "kms" (empty when there are none). */
    readonly kmsKeyArns: pulumi.Output<{ [generation: string]: string }>;
    /** ARN of the Secrets Manager secret holding the active key (only with storePrivateKey). */
    readonly privateKeySecretArn?: pulumi.Output<string>;
    /** IAM policy document (JSON) granting read access to exactly that secret (only with storePrivateKey). */
    readonly privateKeyReadPolicy?: pulumi.Output<string>;
    /** The generation id that signs. */
    readonly activeKey: pulumi.Output<string>;
    /** Algorithm of the active generation (ECDSA signers must declare SHA-256). */
    readonly activeKeyAlgorithm: pulumi.Output<KeyAlgorithm>;
    /** The generations with defaults applied, oldest first. */
    readonly keys: pulumi.Output<KeyGeneration[]>;

    constructor(name: string, args: SigningKeyGroupArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Validate before registering anything, so bad arguments leave no half-registered component.
        const config = validateSigningKeyGroupArgs(name, args);
        super(SIGNING_KEY_GROUP_TYPE, name, {}, opts);
        this.keys = pulumi.output(config.keys.map((k) => ({ ...k })));
        this.activeKey = pulumi.output(config.activeKey);
        const previousNames = previousComponentNames(opts);
        // protect only when asked: an explicit `protect: false` would override a protect inherited from opts.
        const keyOpts: pulumi.CustomResourceOptions = { parent: this, ...(config.protectKeys ? { protect: true } : {}) };

        const aliasPrefix = config.kmsSigningKeys.aliasPrefix ?? defaultKmsAliasPrefix(pulumi.getProject(), pulumi.getStack(), name);
        const generations = config.keys.map((gen) => {
            const resourceName = generationResourceName(name, gen.id);
            const aliases = generationResourceAliases(name, gen.id, previousNames).map((legacy) => ({ name: legacy }));
            const childOpts: pulumi.CustomResourceOptions = { ...keyOpts, ...(aliases.length ? { aliases } : {}) };
            let privateKey: tls.PrivateKey | undefined;
            let kmsKeyArn: pulumi.Output<string> | undefined;
            let publicKeyPem: pulumi.Output<string>;
            if (gen.source === KeySource.Kms) {
                // KMS generations came after 1.0: only the names they had under the component's previous names.
                const kmsAliases = previousNames
                    .map((previous) => ({ name: generationResourceName(previous, gen.id) }))
                    .filter((alias) => alias.name !== resourceName);
                const kms = createKmsSigningKey(
                    resourceName,
                    {
                        algorithm: gen.algorithm,
                        alias: `${aliasPrefix}/${gen.id}`,
                        deletionWindowInDays: config.kmsSigningKeys.deletionWindowInDays,
                        description: config.comment ?? `CloudFront signing key ${gen.id} of key group ${name}`,
                        tags: config.tags,
                    },
                    { ...keyOpts, ...(kmsAliases.length ? { aliases: kmsAliases } : {}) },
                );
                kmsKeyArn = kms.keyArn;
                publicKeyPem = kms.publicKeyPem;
            } else {
                privateKey = new tls.PrivateKey(resourceName, privateKeyArgsFor(gen.algorithm), childOpts);
                publicKeyPem = privateKey.publicKeyPem;
            }
            // No `name`: autonaming lets a replacement be created before the old key is deleted
            // (CloudFront refuses to delete a key still in a key group). The PEM keeps its trailing newline,
            // otherwise every update shows a diff.
            const publicKey = new aws.cloudfront.PublicKey(
                resourceName,
                { encodedKey: publicKeyPem, comment: config.comment },
                childOpts,
            );
            return { gen, privateKey, kmsKeyArn, publicKeyPem, publicKey };
        });

        // CloudFront public keys and key groups take no tags; the KMS keys above and the secret below do.
        const keyGroup = new aws.cloudfront.KeyGroup(
            name,
            { items: generations.map((g) => g.publicKey.id), comment: config.comment },
            keyOpts,
        );
        this.keyGroupId = keyGroup.id;

        const active = generations.find((g) => g.gen.id === config.activeKey)!;
        this.activeKeyAlgorithm = pulumi.output(active.gen.algorithm);
        // Key pair ids resolve only after the key group exists with them: a key signs nothing until it is trusted.
        const afterKeyGroup = <T>(value: pulumi.Output<T>): pulumi.Output<T> =>
            value.apply((v) => keyGroup.id.apply(() => v));
        this.activeKeyPairId = afterKeyGroup(active.publicKey.id);
        this.keyPairIds = afterKeyGroup(
            pulumi.all(generations.map((g) => g.publicKey.id)).apply((ids) =>
                Object.fromEntries(generations.map((g, i) => [g.gen.id, ids[i]])),
            ),
        );
        this.publicKeyPems = pulumi
            .all(generations.map((g) => g.publicKeyPem))
            .apply((pems) => Object.fromEntries(generations.map((g, i) => [g.gen.id, pems[i]])));
        this.activeKeySource = pulumi.output(active.gen.source);
        // The mock monitor (and older engines) do not apply the provider's additionalSecretOutputs: be explicit.
        if (active.privateKey !== undefined) this.privateKeyPem = pulumi.secret(active.privateKey.privateKeyPem);
        const tlsGenerations = generations.filter((g) => g.privateKey !== undefined);
        this.privateKeyPems = pulumi.secret(
            pulumi
                .all(tlsGenerations.map((g) => (g.privateKey as tls.PrivateKey).privateKeyPem))
                .apply((pems) => Object.fromEntries(tlsGenerations.map((g, i) => [g.gen.id, pems[i]]))),
        );
        const kmsGenerations = generations.filter((g) => g.kmsKeyArn !== undefined);
        this.kmsKeyArns = pulumi
            .all(kmsGenerations.map((g) => g.kmsKeyArn as pulumi.Output<string>))
            .apply((arns) => Object.fromEntries(kmsGenerations.map((g, i) => [g.gen.id, arns[i]])));
        if (active.kmsKeyArn !== undefined) {
            // Like the key pair id, the ARN is handed out only once the key group trusts the key.
            this.kmsKeyArn = afterKeyGroup(active.kmsKeyArn);
            this.kmsSigningPolicy = active.kmsKeyArn.apply((arn) => kmsSigningPolicyDocument(arn, active.gen.algorithm));
        }

        const store = config.storePrivateKey;
        if (store && active.privateKey !== undefined) {
            const activePrivateKey = active.privateKey;
            // A deleted secret's name stays reserved for the recovery window: a random suffix lets a recreated
            // stack create its secret without colliding.
            const suffix = new random.RandomId(`${name}-secret-suffix`, { byteLength: 4 }, { parent: this });
            const secret = new aws.secretsmanager.Secret(
                `${name}-private-key`,
                {
                    name: pulumi.interpolate`${name}-cloudfront-signing-key-${suffix.hex}`,
                    description: `CloudFront signing key (key pair id and private key) of key group ${name}`,
                    kmsKeyId: store.kmsKeyId,
                    recoveryWindowInDays: store.recoveryWindowInDays,
                    tags: config.tags,
                },
                { parent: this },
            );
            const version = new aws.secretsmanager.SecretVersion(
                `${name}-private-key`,
                {
                    secretId: secret.id,
                    secretString: pulumi.secret(
                        pulumi.all([this.activeKeyPairId, activePrivateKey.privateKeyPem]).apply(([keyPairId, privateKeyPem]) =>
                            storedSigningKeyJson({ keyPairId, privateKeyPem, algorithm: active.gen.algorithm, generation: active.gen.id }),
                        ),
                    ),
                },
                { parent: this },
            );
            // Resolves once the secret has a value, so readers wired to the ARN never see an empty secret.
            this.privateKeySecretArn = pulumi.all([secret.arn, version.id]).apply(([arn]) => arn);
            // An IAM policy can name a KMS key only by its key ARN: resolve ids and aliases (DescribeKey).
            const kmsKeyArn: pulumi.Output<string | undefined> =
                store.kmsKeyId === undefined
                    ? pulumi.output<string | undefined>(undefined)
                    : aws.kms.getKeyOutput({ keyId: store.kmsKeyId }, { parent: this }).arn;
            this.privateKeyReadPolicy = pulumi
                .all([secret.arn, kmsKeyArn])
                .apply(([arn, keyArn]) => secretReadPolicyDocument(arn, keyArn));
        }

        this.registerOutputs({
            keyGroupId: this.keyGroupId,
            activeKeyPairId: this.activeKeyPairId,
            keyPairIds: this.keyPairIds,
            publicKeyPems: this.publicKeyPems,
            ...(this.privateKeyPem ? { privateKeyPem: this.privateKeyPem } : {}),
            privateKeyPems: this.privateKeyPems,
            activeKey: this.activeKey,
            activeKeyAlgorithm: this.activeKeyAlgorithm,
            activeKeySource: this.activeKeySource,
            keys: this.keys,
            kmsKeyArns: this.kmsKeyArns,
            ...(this.kmsKeyArn ? { kmsKeyArn: this.kmsKeyArn } : {}),
            ...(this.kmsSigningPolicy ? { kmsSigningPolicy: this.kmsSigningPolicy } : {}),
            ...(this.privateKeySecretArn ? { privateKeySecretArn: this.privateKeySecretArn } : {}),
            ...(this.privateKeyReadPolicy ? { privateKeyReadPolicy: this.privateKeyReadPolicy } : {}),
        });
    }

    /**
     * Returns the behaviours with this key group trusted by exactly the selected ones (see attachKeyGroup).
     * TypeScript only: other languages add keyGroupId to the behaviours' trustedKeyGroups themselves.
     */
    attachTo<B extends object>(behaviours: CacheBehaviours<B>, select: readonly string[]): CacheBehaviours<B> {
        return attachKeyGroup(behaviours, this.keyGroupId, select);
    }
}
