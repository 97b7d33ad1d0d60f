import * as assert from "node:assert/strict";
import { secretReadPolicyDocument, storedSigningKeyJson } from "../components";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:signing-cloudfront-signing-key-0a1b2c3d-AbCdEf";

describe("secretReadPolicyDocument", () => {
    it("grants read access to exactly the one secret", () => {
        assert.deepEqual(JSON.parse(secretReadPolicyDocument(ARN)), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ReadCloudFrontSigningKey",
                    Effect: "Allow",
                    Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    Resource: ARN,
                },
            ],
        });
    });

    it("adds kms:Decrypt through Secrets Manager in the secret's region for a KMS key ARN only", () => {
        const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const doc = JSON.parse(secretReadPolicyDocument(ARN, key)) as { Statement: Record<string, unknown>[] };
        assert.deepEqual(doc.Statement[1], {
            Sid: "DecryptCloudFrontSigningKey",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: key,
            Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
        });
        // a key id or alias cannot be an IAM Resource: no statement rather than a wrong one
        for (const notArn of ["1234abcd-12ab-34cd-56ef-1234567890ab", "alias/signing", "arn:aws:kms:eu-west-1:123456789012:alias/signing"]) {
            assert.equal((JSON.parse(secretReadPolicyDocument(ARN, notArn)) as { Statement: unknown[] }).Statement.length, 1, notArn);
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
