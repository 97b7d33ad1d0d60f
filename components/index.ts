// Package entry (package.json "main"): the public TypeScript API, and what the Pulumi nodejs language host serves
// to other languages. The host serves every ComponentResource class exported here (the SDK's Analyzer infers the
// schema from their args interfaces and Output fields): export a new component from its module below to add it.
export { SigningKeyGroup, SIGNING_KEY_GROUP_TYPE, privateKeyArgsFor } from "./signingKeyGroup";

export { KeyAlgorithm, KeySource } from "./types";
export type { KeyGeneration, StorePrivateKeyOptions, SigningKeyGroupArgs, KmsSigningKeyOptions } from "./types";
export {
    validateSigningKeyGroupArgs,
    SigningKeyGroupArgsError,
    MAX_KEYS_PER_KEY_GROUP,
    MAX_COMMENT_LENGTH,
    MAX_CLOUDFRONT_NAME_LENGTH,
    MAX_GENERATION_ID_LENGTH,
    DEFAULT_GENERATION_ID,
    DEFAULT_RECOVERY_WINDOW_DAYS,
    KEY_ALGORITHMS,
    KEY_SOURCES,
    DEFAULT_KMS_DELETION_WINDOW_DAYS,
} from "./validation";
export type { NormalizedSigningKeyGroupArgs } from "./validation";
export { generationResourceName, generationResourceAliases, legacyGenerationResourceName } from "./naming";
export {
    attachKeyGroup,
    AttachKeyGroupError,
    DEFAULT_BEHAVIOUR,
    MAX_KEY_GROUPS_PER_BEHAVIOUR,
} from "./behaviours";
export type { CacheBehaviourLike, CacheBehaviours } from "./behaviours";
export { secretReadPolicyDocument, storedSigningKeyJson, CURRENT_VERSION_STAGE, kmsSigningPolicyDocument, KMS_SIGNING_ALGORITHMS } from "./policy";
export { createKmsSigningKey, defaultKmsAliasPrefix, kmsKeyArgsFor, KMS_KEY_SPECS } from "./kmsKey";
export type { KmsSigningKey } from "./kmsKey";
export type { StoredSigningKey } from "./policy";
export {
    pathGuardSource,
    pathGuardCheckSource,
    combinePathGuardSource,
    canonicalPathPattern,
    validatePathGuardPatterns,
    pathGuardCostProblem,
    PathGuardError,
    PATH_GUARD_RUNTIME,
    PATH_GUARD_EVENT_TYPE,
    PATH_GUARD_DENIED_BODY,
    PATH_GUARD_STEP_BUDGET,
    MAX_FUNCTION_CODE_BYTES,
    MAX_GUARDED_PATTERNS,
    MAX_PATTERN_STARS,
    MAX_PATTERN_QUESTION_MARKS,
} from "./pathGuard";
export type { PathGuardVerdict } from "./pathGuard";
export { PathGuard, PATH_GUARD_TYPE, attachPathGuard, PathGuardAttachError } from "./pathGuardResource";
export type { PathGuardArgs, PathGuardAssociation, PathGuardAttachOptions } from "./pathGuardResource";
