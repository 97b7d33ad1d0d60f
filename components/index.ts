// Public API of the CloudFront signing components.
export type { KeyAlgorithm, KeyGeneration, StorePrivateKeyOptions, SigningKeyGroupArgs, KmsSigningKeyOptions } from "./types";
export { KeySource } from "./types";
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
    KEY_SOURCES,
    DEFAULT_KMS_DELETION_WINDOW_DAYS,
} from "./validation";
export {
    attachKeyGroup,
    AttachKeyGroupError,
    DEFAULT_BEHAVIOUR,
    MAX_KEY_GROUPS_PER_BEHAVIOUR,
} from "./behaviours";
export type { NormalizedSigningKeyGroupArgs } from "./validation";
export type { CacheBehaviourLike, CacheBehaviours } from "./behaviours";
export { secretReadPolicyDocument, storedSigningKeyJson, kmsSigningPolicyDocument, KMS_SIGNING_ALGORITHMS } from "./policy";
export { createKmsSigningKey, defaultKmsAliasPrefix, kmsKeyArgsFor, KMS_KEY_SPECS } from "./kmsKey";
export type { KmsSigningKey } from "./kmsKey";
export type { StoredSigningKey } from "./policy";
export { SigningKeyGroup, SIGNING_KEY_GROUP_TYPE, privateKeyArgsFor } from "./signingKeyGroup";
