// Policy pack entry: `pulumi preview --policy-pack policy` runs this file. The rules live in rules.ts.
import { PolicyPack } from "@pulumi/policy";

import { rules } from "./rules";
import { installSecretTracking } from "./secrets";

// Before the pack starts serving: lets the stack policy tell secret stack outputs from plain ones.
installSecretTracking();

new PolicyPack("cloudfront-signed-content", {
    description: "Keeps the protected paths of CloudFront signed-URL and signed-cookie stacks protected, their signing keys usable and their private keys secret.",
    provider: "aws",
    tags: ["cloudfront", "signed-urls", "signed-cookies"],
    policies: rules,
});
