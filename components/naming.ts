// Logical names of a generation's children. Pure, so the collision rule is tested without Pulumi.
//
// Until 1.0 the name was `${name}-${generation}`, which is ambiguous: component "a" with generation "b-c" and
// component "a-b" with generation "c" both made "a-b-c" (a duplicate URN at `pulumi up`). Component names without
// "-" keep that legacy name (only one split of a legacy name has no "-" before its first "-", so these never
// collide with each other); names containing "-" get an escaped name without any "-", which no legacy name can
// equal, plus an alias to the legacy name so existing stacks adopt their resources instead of replacing them.

/** The pre-1.0 logical name; still the name for component names without "-", and the alias for the others. */
export function legacyGenerationResourceName(name: string, generationId: string): string {
    return `${name}-${generationId}`;
}

/** "_" -> "__", "-" -> "_d": injective, and the result has no "-". */
function escapeName(part: string): string {
    return part.replace(/_/g, "__").replace(/-/g, "_d");
}

/**
 * Logical name of a generation's tls key and CloudFront public key: unique for every valid (component name,
 * generation id) pair. `${name}-${id}` when the component name has no "-" (as before 1.0); otherwise
 * `${escape(name)}_s${escape(id)}`, where escape doubles "_" and writes "-" as "_d".
 */
export function generationResourceName(name: string, generationId: string): string {
    if (!name.includes("-")) return legacyGenerationResourceName(name, generationId);
    return `${escapeName(name)}_s${escapeName(generationId)}`;
}

/**
 * Alias names a generation's children need so that existing stacks keep their resources: the pre-1.0 name, and
 * for each previous name of the component (its own `aliases`) the names the children had under it. A child's URN
 * holds only its parent's type, not the parent's name, so a name alias is enough.
 */
export function generationResourceAliases(name: string, generationId: string, previousNames: readonly string[] = []): string[] {
    const current = generationResourceName(name, generationId);
    const names = [name, ...previousNames].flatMap((n) => [generationResourceName(n, generationId), legacyGenerationResourceName(n, generationId)]);
    return [...new Set(names)].filter((n) => n !== current);
}
