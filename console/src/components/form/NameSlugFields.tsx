import { TextInput } from '@mantine/core';
import { errorFor } from '../../api/problem.ts';
import type { NameAndSlug } from '../../lib/useNameAndSlug.ts';

interface NameSlugFieldsProps {
  names: NameAndSlug;
  errors: Record<string, string>;
  /** Prefix of the fields' test ids: `<testId>-name`, `<testId>-slug`. */
  testId: string;
  slugDescription: string;
  namePlaceholder?: string;
  autoFocus?: boolean;
}

/** A new resource's name, and its slug, which follows the name until the user edits it. */
export function NameSlugFields({ names, errors, testId, slugDescription, namePlaceholder, autoFocus = false }: NameSlugFieldsProps) {
  return (
    <>
      <TextInput
        label="Name"
        placeholder={namePlaceholder}
        required
        data-autofocus={autoFocus || undefined}
        value={names.name}
        onChange={(e) => names.setName(e.currentTarget.value)}
        error={errorFor(errors, 'name')}
        data-testid={`${testId}-name`}
      />
      <TextInput
        label="Slug"
        description={slugDescription}
        required
        value={names.slug}
        onChange={(e) => names.setSlug(e.currentTarget.value)}
        error={errorFor(errors, 'slug')}
        data-testid={`${testId}-slug`}
      />
    </>
  );
}
