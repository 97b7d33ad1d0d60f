// Public API of the CloudFront signing components.
export type { KeyAlgorithm, KeyGeneration, StorePrivateKeyOptions, SigningKeyGroupArgs } from "./types";
export {
    validateSigningKeyGroupArgs,
    SigningKeyGroupArgsError,
    generationResourceName,
    MAX_KEYS_PER_KEY_GROUP,
    MAX_COMMENT_LENGTH,
    MAX_CLOUDFRONT_NAME_LENGTH,
    MAX_GENERATION_ID_LENGTH,
    DEFAULT_GENERATION_ID,
    DEFAULT_RECOVERY_WINDOW_DAYS,
    KEY_ALGORITHMS,
} from "./validation";
export {
    attachKeyGroup,
    AttachKeyGroupError,
    DEFAULT_BEHAVIOUR,
    MAX_KEY_GROUPS_PER_BEHAVIOUR,
} from "./behaviours";
export type { NormalizedSigningKeyGroupArgs } from "./validation";
export type { CacheBehaviourLike, CacheBehaviours } from "./behaviours";
export { secretReadPolicyDocument, storedSigningKeyJson } from "./policy";
export type { StoredSigningKey } from "./policy";
export { SigningKeyGroup, SIGNING_KEY_GROUP_TYPE, privateKeyArgsFor } from "./signingKeyGroup";
export {
    pathGuardSource,
    canonicalPathPattern,
    validatePathGuardPatterns,
    PathGuardError,
    PATH_GUARD_RUNTIME,
    PATH_GUARD_EVENT_TYPE,
    PATH_GUARD_DENIED_BODY,
    MAX_FUNCTION_CODE_BYTES,
} from "./pathGuard";
export { PathGuard, PATH_GUARD_TYPE } from "./pathGuardResource";
export type { PathGuardArgs, PathGuardAssociation } from "./pathGuardResource";
