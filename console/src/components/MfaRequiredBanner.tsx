import { Alert, Anchor } from '@mantine/core';
import { IconShieldLock } from '@tabler/icons-react';
import { Link, useLocation } from 'react-router';
import { useMyMfa } from '../api/mfa.ts';

/**
 * When an organization requires MFA and you have no factor yet, its pages answer 403
 * `mfa-enrolment-required`: say why, and where to fix it, above every page.
 */
export function MfaRequiredBanner() {
  const mfa = useMyMfa();
  const location = useLocation();
  const status = mfa.data;
  if (!status || location.pathname === '/me/mfa') return null;
  if (status.requiredBy.length === 0 || status.totp.enrolled || status.webauthn.length > 0) return null;
  return (
    <Alert color="orange" icon={<IconShieldLock size={18} />} mb="md" title="Set up multi-factor authentication" data-testid="mfa-required-banner">
      Your organization requires a second factor. <Anchor component={Link} to="/me/mfa">Add an authenticator app or a passkey</Anchor> to keep using it.
    </Alert>
  );
}
