// Policy pack entry: `pulumi preview --policy-pack policy` runs this file. The rules live in rules.ts.
import { PolicyPack } from "@pulumi/policy";

import { packRules } from "./rules";
import { startSecretTracking } from "./secrets";

// Before the pack starts serving: lets the private-key output policy tell secret stack outputs from plain ones,
// and checks that this still works with the installed @pulumi/policy (if not, that one policy is advisory).
const secretTracking = startSecretTracking();
if (!secretTracking.working) {
    console.error(`cloudfront-private-key-outputs-secret is advisory: this pack cannot tell secret stack outputs from plain ones (${secretTracking.reason})`);
}

new PolicyPack("cloudfront-signed-content", {
    description: "Keeps the protected paths of CloudFront signed-URL and signed-cookie stacks protected, their signing keys usable and their private keys secret.",
    provider: "aws",
    tags: ["cloudfront", "signed-urls", "signed-cookies"],
    policies: packRules(secretTracking),
});
