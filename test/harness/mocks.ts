// Shared Pulumi mock harness: records every registered resource and invoke, returns realistic provider outputs
// (real key material for tls keys), and fails loudly on an unmocked invoke instead of hanging.
//
// Mock-monitor pitfalls this harness does NOT paper over (tests must account for them):
// - `additionalSecretOutputs` is not applied: tls privateKeyPem etc. come back as plain values, so code that must
//   keep them secret has to wrap them in `pulumi.secret` itself (which is what the tests check).
// - autonamed resources carry no `name` input (the outputs get a provider-style autoname here, as the engine would).
// - duplicate URNs are not detected: compare `recorder.resources.map(r => r.urn)` yourself.
// - `transforms` do not run.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { MOCK_ACCOUNT_ID, MOCK_REGION, computedFor, isSecretWrapper, str, unwrapSecrets, uuidOf } from "../../scripts/host/computed";

export { MOCK_ACCOUNT_ID, MOCK_REGION, computedFor, unwrapSecrets };
export const MOCK_PROJECT = "cloudfront-signed-content";
export const MOCK_STACK = "test";

export interface RecordedResource {
    /** type token, e.g. "aws:cloudfront/publicKey:PublicKey" */
    type: string;
    /** logical name */
    name: string;
    /** inputs as the provider receives them, with secret markers removed (see secretInputs) */
    inputs: Record<string, unknown>;
    /** top-level input names whose value was a secret */
    secretInputs: string[];
    /** the state the mock returned (inputs plus computed fields), secret markers removed */
    outputs: Record<string, unknown>;
    id?: string;
    urn: string;
    parentUrn?: string;
    /** logical name of the parent (last URN segment), undefined for stack-level resources */
    parentName?: string;
    /** true for provider-managed resources, false for components */
    custom: boolean;
    provider?: string;
    /** true when registered through `get`/read rather than created */
    read: boolean;
    /** the `protect` resource option as sent to the engine (false when unset) */
    protect?: boolean;
    /** the aliases as sent to the engine (protobuf Alias objects: { urn } or { spec: { name, type, ... } }) */
    aliases?: unknown[];
    /** for components: the outputs passed to registerOutputs, secret markers removed */
    registeredOutputs?: Record<string, unknown>;
}

export interface RecordedInvoke {
    token: string;
    inputs: Record<string, unknown>;
    provider?: string;
}

/** What an `outputs` / `calls` extension receives. */
export interface MockResourceContext extends pulumi.runtime.MockResourceArgs {
    urn: string;
    parentUrn?: string;
    /** the harness's default state for this resource (inputs plus computed fields) */
    defaults: Record<string, unknown>;
}

export interface InstallMocksOptions {
    /**
     * Extra or overriding outputs for a resource; merged over the harness defaults. Return undefined to keep the
     * defaults. May return `id` to override the physical id.
     */
    outputs?: (args: MockResourceContext) => Record<string, unknown> | undefined;
    /** Result for an invoke; return undefined to fall back to the built-in invokes (and then to a loud failure). */
    calls?: (args: pulumi.runtime.MockCallArgs) => Record<string, unknown> | undefined;
    /** default "test" */
    stack?: string;
    /** default false */
    preview?: boolean;
}

/** Holds everything registered since the last installMocks. */
export class Recorder {
    readonly resources: RecordedResource[] = [];
    readonly invokes: RecordedInvoke[] = [];
    private readonly pending = new Set<Promise<unknown>>();

    byType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    byName(name: string): RecordedResource[] {
        return this.resources.filter((r) => r.name === name);
    }

    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    /** Exactly one resource of this type (throws otherwise, naming the count). */
    one(type: string): RecordedResource {
        const found = this.byType(type);
        if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
        return found[0];
    }

    /** Children (direct) of the resource with this URN. */
    childrenOf(urn: string): RecordedResource[] {
        return this.resources.filter((r) => r.parentUrn === urn);
    }

    /** @internal */
    track(p: Promise<unknown>): void {
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
    }

    /**
     * Waits until every registration started so far (and any it triggers) has completed, so `resources` is complete.
     * Bounded: gives up after 200 rounds rather than spinning forever.
     */
    async settled(): Promise<void> {
        for (let round = 0; round < 200; round++) {
            await new Promise((r) => setImmediate(r));
            if (this.pending.size === 0) {
                await new Promise((r) => setImmediate(r));
                if (this.pending.size === 0) return;
            }
            await Promise.allSettled([...this.pending]);
        }
        throw new Error("mock registrations did not settle after 200 rounds");
    }
}

let current = new Recorder();

/** Key material by URN + key parameters, kept across installs so re-registering the same key yields the same key. */
/** Same formula as Pulumi's MockMonitor. */
function urnOf(parent: string | undefined, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2].split("$").pop();
        qualified = `${parentType}$${type}`;
    }
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}


const KMS_KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const KMS_ALIAS_NAME = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const KMS_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/;

/**
 * aws.kms.getKey, like KMS DescribeKey: accepts a key id, key ARN, alias name ("alias/...") or alias ARN and
 * returns the key's metadata with its key ARN. An alias resolves to a key id derived from the alias (stable per
 * alias); "alias/aws/..." names are AWS managed keys. Anything else is refused, as KMS would (NotFoundException).
 */
function kmsDescribeKey(keyId: unknown): Record<string, unknown> {
    // The runtime rebuilds an invoke error from `details` (the gRPC field), so set both.
    const refuse = (message: string): never => {
        throw Object.assign(new Error(message), { details: message });
    };
    if (typeof keyId !== "string") return refuse("kms:getKey: keyId is required");
    let partition = "aws";
    let region = MOCK_REGION;
    let account = MOCK_ACCOUNT_ID;
    let ref = keyId;
    const arn = KMS_ARN.exec(keyId);
    if (arn) [, partition, region, account, ref] = arn;
    let id: string;
    let managed = false;
    if (ref.startsWith("key/") && KMS_KEY_ID.test(ref.slice(4))) id = ref.slice(4);
    else if (!arn && KMS_KEY_ID.test(ref)) id = ref;
    else if (KMS_ALIAS_NAME.test(ref)) {
        id = uuidOf("kms-alias:" + ref);
        managed = ref.startsWith("alias/aws/");
    } else return refuse(`kms:getKey: NotFoundException: Invalid keyId '${keyId}'`);
    return {
        id,
        keyId: keyId,
        arn: `arn:${partition}:kms:${region}:${account}:key/${id}`,
        awsAccountId: account,
        keyManager: managed ? "AWS" : "CUSTOMER",
        keyState: "Enabled",
        enabled: true,
        keyUsage: "ENCRYPT_DECRYPT",
        keySpec: "SYMMETRIC_DEFAULT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        origin: "AWS_KMS",
        multiRegion: id.startsWith("mrk-"),
    };
}

const kmsKeyMaterial = new Map<string, crypto.KeyObject>();

/**
 * The private key behind a mocked KMS key (by key ARN), generated from the key spec the program gave the key, as
 * KMS would; tests sign with it to stand in for kms:Sign. Undefined for an unknown ARN or a non-signing key spec.
 */
export function kmsPrivateKeyFor(keyArn: string): crypto.KeyObject | undefined {
    const cached = kmsKeyMaterial.get(keyArn);
    if (cached) return cached;
    const key = current?.resources.find((r) => r.type === "aws:kms/key:Key" && r.outputs.arn === keyArn);
    if (!key) return undefined;
    const spec = key.outputs.customerMasterKeySpec;
    const made =
        spec === "RSA_2048"
            ? crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
            : spec === "ECC_NIST_P256"
              ? crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey
              : undefined;
    if (made) kmsKeyMaterial.set(keyArn, made);
    return made;
}

/** aws.kms.getPublicKey for a mocked key (key id, key ARN, alias name or alias ARN), shaped like the provider's result. */
function kmsGetPublicKey(inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    const keyId = str(inputs.keyId) ?? "";
    const resources = current?.resources ?? [];
    const alias = resources.find((r) => r.type === "aws:kms/alias:Alias" && (r.outputs.name === keyId || r.outputs.arn === keyId));
    const target = alias ? str(alias.outputs.targetKeyArn) : keyId;
    const key = resources.find((r) => r.type === "aws:kms/key:Key" && (r.outputs.arn === target || r.outputs.keyId === target));
    if (!key) return undefined;
    const arn = key.outputs.arn as string;
    const spec = key.outputs.customerMasterKeySpec as string;
    const privateKey = key.outputs.keyUsage === "SIGN_VERIFY" ? kmsPrivateKeyFor(arn) : undefined;
    if (!privateKey) {
        // KMS answers UnsupportedOperationException for symmetric keys; fail loudly as the provider would.
        throw Object.assign(new Error(`GetPublicKey: ${arn} (${spec}) has no public key`), { details: `GetPublicKey: ${arn} (${spec}) has no public key` });
    }
    const publicKey = crypto.createPublicKey(privateKey);
    return {
        arn,
        id: arn,
        keyId,
        customerMasterKeySpec: spec,
        keyUsage: "SIGN_VERIFY",
        encryptionAlgorithms: [],
        signingAlgorithms: spec === "RSA_2048" ? ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"] : ["ECDSA_SHA_256"],
        publicKey: (publicKey.export({ type: "spki", format: "der" }) as Buffer).toString("base64"),
        // The provider PEM-encodes the DER key: SPKI with a trailing newline.
        publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) as string,
        region: MOCK_REGION,
    };
}

/** Built-in invokes; anything else fails loudly. */
function builtinCall(token: string, inputs: Record<string, unknown>): Record<string, unknown> | undefined {
    switch (token) {
        case "aws:kms/getKey:getKey":
            return kmsDescribeKey(inputs.keyId);
        case "aws:kms/getPublicKey:getPublicKey":
            return kmsGetPublicKey(inputs);
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/test`, userId: "AIDATESTUSER", id: MOCK_ACCOUNT_ID };
        case "aws:index/getRegion:getRegion":
            return { name: MOCK_REGION, region: MOCK_REGION, id: MOCK_REGION, endpoint: `ec2.${MOCK_REGION}.amazonaws.com`, description: "US East (N. Virginia)" };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", id: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
        default:
            return undefined;
    }
}

interface MonitorRequest {
    getParent(): string;
    getType(): string;
    getName(): string;
    /** only on RegisterResourceRequest */
    getProtect?(): boolean | undefined;
    /** only on RegisterResourceRequest */
    getAliasesList?(): { toObject(): unknown }[];
}
interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, resp: { getUrn?: () => string } | undefined) => void;
interface PatchableMonitor {
    registerResource(req: MonitorRequest, cb: Callback): Promise<void>;
    readResource(req: MonitorRequest, cb: Callback): Promise<void>;
    registerResourceOutputs(req: OutputsRequest, cb: Callback): void;
}

/**
 * Installs fresh Pulumi mocks (project "cloudfront-signed-content", stack "test") and returns a fresh recorder.
 * Call it in `beforeEach` (or per rotation step); import the code under test after or before, either works
 * because nothing registers until a resource is constructed.
 */
export function installMocks(options: InstallMocksOptions = {}): Recorder {
    const recorder = new Recorder();
    current = recorder;
    // Set by the patched monitor right before it (synchronously) calls newResource.
    let pendingParent: string | undefined;
    let pendingRead = false;

    const mocks: pulumi.runtime.Mocks = {
        newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
            const parentUrn = pendingParent || undefined;
            const read = pendingRead;
            const urn = urnOf(parentUrn, args.type, args.name);
            const inputs = (args.inputs ?? {}) as Record<string, unknown>;
            const record: RecordedResource = {
                type: args.type,
                name: args.name,
                inputs: unwrapSecrets(inputs) as Record<string, unknown>,
                secretInputs: Object.keys(inputs).filter((k) => isSecretWrapper(inputs[k])),
                outputs: {},
                urn,
                parentUrn,
                parentName: parentUrn ? parentUrn.split("::").pop() : undefined,
                custom: args.custom !== false,
                provider: args.provider || undefined,
                read,
            };
            recorder.resources.push(record);
            if (!record.custom) {
                // components have no provider state
                return { id: undefined, state: {} };
            }
            const { id: defaultId, computed } = args.id ? { id: args.id, computed: {} } : computedFor(args.type, args.name, urn, inputs);
            const defaults: Record<string, unknown> = { ...inputs, ...computed };
            const extra = options.outputs?.({ ...args, urn, parentUrn, defaults });
            const { id: overrideId, ...extraState } = extra ?? {};
            const state = { ...defaults, ...extraState };
            const id = typeof overrideId === "string" ? overrideId : defaultId;
            record.id = id;
            record.outputs = unwrapSecrets(state) as Record<string, unknown>;
            return { id, state };
        },
        call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
            recorder.invokes.push({ token: args.token, inputs: unwrapSecrets(args.inputs ?? {}) as Record<string, unknown>, provider: args.provider || undefined });
            const result = options.calls?.(args) ?? builtinCall(args.token, unwrapSecrets(args.inputs ?? {}) as Record<string, unknown>);
            if (result === undefined) {
                // An unmocked invoke would otherwise leave its Output pending forever.
                // The runtime rebuilds the error from `details` (the gRPC field), so set both.
                const message = `unmocked invoke: ${args.token} (add it via installMocks({ calls }))`;
                throw Object.assign(new Error(message), { details: message });
            }
            return result;
        },
    };

    void pulumi.runtime.setMocks(mocks, MOCK_PROJECT, options.stack ?? MOCK_STACK, options.preview ?? false);

    const monitor = pulumi.runtime.getMonitor() as unknown as PatchableMonitor;
    const origRegister = monitor.registerResource.bind(monitor);
    const origRead = monitor.readResource.bind(monitor);
    const origOutputs = monitor.registerResourceOutputs.bind(monitor);
    const withParent = (orig: (req: MonitorRequest, cb: Callback) => Promise<void>, read: boolean) =>
        (req: MonitorRequest, cb: Callback): Promise<void> => {
            pendingParent = req.getParent();
            pendingRead = read;
            let record: RecordedResource | undefined;
            const before = recorder.resources.length;
            // MockMonitor calls mocks.newResource synchronously, before its first await
            const p = orig(req, (err, resp) => {
                if (!err && record && resp?.getUrn) record.urn = resp.getUrn();
                cb(err, resp);
            });
            record = recorder.resources.length > before ? recorder.resources[recorder.resources.length - 1] : undefined;
            if (record && !read) {
                record.protect = req.getProtect?.() === true;
                record.aliases = (req.getAliasesList?.() ?? []).map((a) => a.toObject());
            }
            pendingParent = undefined;
            pendingRead = false;
            recorder.track(p);
            return p;
        };
    monitor.registerResource = withParent(origRegister, false);
    monitor.readResource = withParent(origRead, true);
    monitor.registerResourceOutputs = (req: OutputsRequest, cb: Callback): void => {
        const record = recorder.byUrn(req.getUrn());
        if (record) record.registeredOutputs = unwrapSecrets(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
        origOutputs(req, cb);
    };
    return recorder;
}

/** The recorder of the most recent installMocks. */
export function recorder(): Recorder {
    return current;
}

/** Resources of this type registered with the current recorder. */
export function byType(type: string): RecordedResource[] {
    return current.byType(type);
}

interface PromiseOutput<T> {
    promise(withUnknowns?: boolean): Promise<T>;
}

/** Resolves an Output's value; rejects if the Output failed (e.g. an unmocked invoke) instead of hanging. */
export function resolve<T>(output: pulumi.Output<T>): Promise<T> {
    const internal = output as unknown as Partial<PromiseOutput<T>>;
    if (typeof internal.promise === "function") return internal.promise();
    return new Promise<T>((res) => output.apply((v) => { res(v); return v; }));
}

/** True when the Output is marked secret. */
export function isSecretOutput<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/**
 * Replaces the whole Pulumi config. Keys without a namespace get the project's ("cloudfront-signed-content:");
 * non-string values are JSON-encoded, as `pulumi config set --path`/structured config would store them.
 */
export function setConfig(values: Record<string, unknown>, secretKeys: readonly string[] = []): void {
    const qualify = (k: string) => (k.includes(":") ? k : `${MOCK_PROJECT}:${k}`);
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
        if (v === undefined) continue;
        config[qualify(k)] = typeof v === "string" ? v : JSON.stringify(v);
    }
    pulumi.runtime.setAllConfig(config, secretKeys.map(qualify));
}
