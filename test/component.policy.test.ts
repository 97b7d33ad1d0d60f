import * as assert from "node:assert/strict";
import { secretReadPolicyDocument, storedSigningKeyJson } from "../components";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-cloudfront-signing-key-0a1b2c3d-AbCdEf";

describe("secretReadPolicyDocument", () => {
    it("grants reading exactly the one secret, at its current version stage, and describing it", () => {
        assert.deepEqual(JSON.parse(secretReadPolicyDocument(ARN)), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ReadCurrentCloudFrontSigningKey",
                    Effect: "Allow",
                    Action: "secretsmanager:GetSecretValue",
                    Resource: ARN,
                    // IfExists: a GetSecretValue without VersionStage reads AWSCURRENT and must stay allowed
                    Condition: { StringEqualsIfExists: { "secretsmanager:VersionStage": "AWSCURRENT" } },
                },
                { Sid: "DescribeCloudFrontSigningKey", Effect: "Allow", Action: "secretsmanager:DescribeSecret", Resource: ARN },
            ],
        });
    });

    it("adds kms:Decrypt on a KMS key ARN through Secrets Manager in the secret's region, for this secret only", () => {
        const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const doc = JSON.parse(secretReadPolicyDocument(ARN, key)) as { Statement: Record<string, unknown>[] };
        assert.deepEqual(doc.Statement[2], {
            Sid: "DecryptCloudFrontSigningKey",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: key,
            Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": ARN } },
        });
    });

    it("refuses a key id or alias (an IAM Resource needs the key ARN: the component resolves it first)", () => {
        for (const notArn of ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/signing", "arn:aws:kms:eu-west-1:123456789012:alias/signing"]) {
            assert.throws(() => secretReadPolicyDocument(ARN, notArn), /is not a KMS key ARN \(resolve key ids and aliases to the key ARN first\)/, notArn);
        }
    });

    it("refuses something that is not a secret ARN", () => {
        assert.throws(() => secretReadPolicyDocument("*"), /secretArn "\*" is not a Secrets Manager secret ARN/);
        assert.throws(() => secretReadPolicyDocument("arn:aws:s3:::bucket"), /not a Secrets Manager secret ARN/);
    });
});

describe("storedSigningKeyJson", () => {
    it("writes the fields a runtime signer needs, in a fixed order", () => {
        const json = storedSigningKeyJson({ generation: "g1", algorithm: "RSA", privateKeyPem: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n", keyPairId: "K2ABC" });
        assert.equal(json, '{"keyPairId":"K2ABC","privateKeyPem":"-----BEGIN RSA PRIVATE KEY-----\\nx\\n-----END RSA PRIVATE KEY-----\\n","algorithm":"RSA","generation":"g1"}');
    });
});
