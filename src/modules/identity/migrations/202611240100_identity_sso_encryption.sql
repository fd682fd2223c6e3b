-- Encrypted SAML assertions (issue 3, ADR 0014 amendment): each SAML connection's SP encryption
-- keys, the current one first and at most one previous during a rotation. Each element is
-- {id, certificate (base64 DER), privateKeySealed (sealSecret, bound to connection and key), fingerprint, createdAt, notAfter}.
ALTER TABLE sso_connections ADD COLUMN sp_encryption_keys jsonb NOT NULL DEFAULT '[]';
