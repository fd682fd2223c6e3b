/**
 * SCIM routes answer errors in SCIM's own shape (RFC 7644 §3.12), not problem+json: identity
 * providers parse `scimType` and `status` and ignore anything else (ADR 0012).
 */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    readonly detail: string,
  ) {
    super(detail);
  }

  body() {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      // RFC 7644 writes the status as a string.
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const scimErrors = {
  notFound: (what: string, id: string) => new ScimError(404, null, `${what} ${id} not found.`),
  invalidValue: (detail: string) => new ScimError(400, 'invalidValue', detail),
  invalidSyntax: (detail: string) => new ScimError(400, 'invalidSyntax', detail),
  invalidPath: (detail: string) => new ScimError(400, 'invalidPath', detail),
  uniqueness: (detail: string) => new ScimError(409, 'uniqueness', detail),
  preconditionFailed: () => new ScimError(412, null, 'The resource changed since the version in If-Match.'),
};
