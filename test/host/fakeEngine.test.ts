// The host harness's fake engine, spoken to with the SDK's own gRPC client stubs, and one real launch of a small
// JavaScript program through @pulumi/pulumi's cmd/run (no type-check, so it takes seconds). The slow launches of
// this project's packages are in test-packages/ (`npm run test:packages`).
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";

import { FakeEngine, awsAccountInvokes } from "../../scripts/host/fakeEngine";
import { call, languageHostConfig, runProgram } from "./launch";
import { assertSucceeded } from "./assertions";
import { PlainObject, Secret, UNKNOWN, fromStruct, toStruct } from "../../scripts/host/wire";

const FIXTURE = path.join(__dirname, "..", "fixtures", "host-program");

describe("host harness: fake engine", () => {
    let engine: FakeEngine;
    let monitor: resrpc.ResourceMonitorClient;

    async function start(dryRun: boolean): Promise<void> {
        engine = await FakeEngine.start({ project: "proj", stack: "dev", dryRun, invokes: awsAccountInvokes({ accountId: "111122223333", region: "eu-west-1" }) });
        monitor = new resrpc.ResourceMonitorClient(engine.address, grpc.credentials.createInsecure());
    }

    afterEach(async () => {
        monitor?.close();
        await engine?.stop();
    });

    function register(type: string, name: string, inputs: PlainObject, extra: (req: resproto.RegisterResourceRequest) => void = () => undefined) {
        const req = new resproto.RegisterResourceRequest().setType(type).setName(name).setCustom(!type.startsWith("proj:")).setObject(toStruct(inputs)).setAcceptsecrets(true);
        extra(req);
        return call(monitor.registerResource.bind(monitor), req);
    }

    it("answers a new resource in preview with no id and UNKNOWN computed outputs, autonames known", async () => {
        await start(true);
        const resp = await register("aws:cloudfront/keyGroup:KeyGroup", "signing", { items: ["K1"] });
        assert.equal(resp.getId(), "");
        const outputs = fromStruct(resp.getObject());
        assert.equal(outputs.etag, UNKNOWN);
        assert.match(String(outputs.name), /^signing-[0-9a-f]{7}$/);
        assert.deepEqual(outputs.items, ["K1"]);
        // on the wire: the SDK's unknown sentinel
        assert.equal(resp.getObject()!.toJavaScript().etag, "04da6b54-80e4-46f7-96ec-b56ff0331ba9");
        assert.deepEqual(engine.one("aws:cloudfront/keyGroup:KeyGroup").inputs, { items: ["K1"] });
    });

    it("answers an update with made-up ids and outputs; additionalSecretOutputs and secret inputs come back secret", async () => {
        await start(false);
        const key = await register("tls:index/privateKey:PrivateKey", "key", { algorithm: "ECDSA", ecdsaCurve: "P256" }, (req) =>
            req.setAdditionalsecretoutputsList(["privateKeyPem"]),
        );
        assert.match(key.getId(), /^[0-9a-f]{40}$/);
        const keyOutputs = fromStruct(key.getObject());
        assert.ok(keyOutputs.privateKeyPem instanceof Secret);
        assert.match(String(keyOutputs.privateKeyPem.value), /BEGIN EC PRIVATE KEY/);
        assert.match(String(keyOutputs.publicKeyPem), /BEGIN PUBLIC KEY/);
        const bucket = await register("aws:s3/bucket:Bucket", "content", { tags: { owner: new Secret("team-a") } });
        const bucketOutputs = fromStruct(bucket.getObject());
        assert.deepEqual(bucketOutputs.tags, { owner: new Secret("team-a") });
        assert.equal(bucketOutputs.arn, `arn:aws:s3:::${bucket.getId()}`);
    });

    it("names children after their parent's type chain, records options, and refuses a duplicate URN", async () => {
        await start(false);
        const stack = await register("pulumi:pulumi:Stack", "proj-dev", {}, (req) => req.setCustom(false));
        const box = await register("proj:index:Box", "box", {}, (req) => req.setParent(stack.getUrn()));
        const inner = await register("proj:index:Inner", "inner", {}, (req) => req.setParent(box.getUrn()));
        const child = await register("aws:s3/bucket:Bucket", "b", {}, (req) => req.setParent(inner.getUrn()).setProtect(true).setDependenciesList([box.getUrn()]));
        assert.equal(box.getUrn(), "urn:pulumi:dev::proj::proj:index:Box::box");
        assert.equal(child.getUrn(), "urn:pulumi:dev::proj::proj:index:Box$proj:index:Inner$aws:s3/bucket:Bucket::b");
        const recorded = engine.byUrn(child.getUrn())!;
        assert.equal(recorded.options.protect, true);
        assert.deepEqual(recorded.options.dependsOn, [box.getUrn()]);
        assert.deepEqual(engine.descendantsOf(box.getUrn()).map((r) => r.name), ["inner", "b"]);
        await assert.rejects(register("proj:index:Box", "box", {}, (req) => req.setParent(stack.getUrn())), /Duplicate resource URN/);
    });

    it("answers the invokes of its table and fails any other at once, naming the token", async () => {
        await start(true);
        const invoke = (tok: string) => call(monitor.invoke.bind(monitor), new resproto.ResourceInvokeRequest().setTok(tok).setArgs(toStruct({})), 5_000);
        const identity = await invoke("aws:index/getCallerIdentity:getCallerIdentity");
        assert.equal(fromStruct(identity.getReturn()).accountId, "111122223333");
        await assert.rejects(invoke("aws:ec2/getAmi:getAmi"), (error: Error) => {
            assert.match(error.message, /no answer for invoke aws:ec2\/getAmi:getAmi/);
            return true;
        });
        assert.deepEqual(
            engine.invokes.map((i) => [i.token, i.error === undefined]),
            [
                ["aws:index/getCallerIdentity:getCallerIdentity", true],
                ["aws:ec2/getAmi:getAmi", false],
            ],
        );
    });
});

describe("host harness: cmd/run launch", function () {
    this.timeout(120_000);

    it("passes config in the language host's form and records registrations, outputs, logs and invokes (preview)", async () => {
        assert.equal(languageHostConfig({ "proj:a": "1", "aws:region": "us-east-1" }), '{"proj:config:a":"1","aws:config:region":"us-east-1"}');
        const run = await runProgram({ projectDir: FIXTURE, stack: "dev", dryRun: true, config: { "host-program:greeting": "hi" } });
        assertSucceeded(run);
        assert.equal(run.command.cwd, FIXTURE);
        assert.ok(run.command.args.includes("--dry-run"));
        assert.equal(run.command.env.PULUMI_NODEJS_TYPESCRIPT, undefined, "typescript: false in Pulumi.yaml");
        const engine = run.engine;
        const bucket = engine.one("aws:s3/bucket:Bucket");
        assert.equal(bucket.parent, engine.one("host-program:index:Box").urn);
        assert.equal(bucket.options.protect, true);
        assert.deepEqual(bucket.inputs.tags, { owner: new Secret("team-a") });
        const outputs = engine.stackOutputs!;
        assert.equal(outputs.greeting, "hi");
        assert.equal(outputs.bucketArn, UNKNOWN);
        assert.match(String(outputs.bucketName), /^box-[0-9a-f]{7}$/);
        assert.equal(outputs.accountId, "123456789012");
        assert.equal(outputs.privateKeyPem, UNKNOWN);
        assert.deepEqual(engine.messages("warning"), ["a warning from the program"]);
        assert.ok(engine.featureQueries.includes("secrets"));
    });
});
