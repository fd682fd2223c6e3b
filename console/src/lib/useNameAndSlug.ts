import { useState } from 'react';
import { slugify } from './format.ts';

/** A name and its slug: the slug follows the name until the user edits it. */
export function useNameAndSlug() {
  const [name, setNameValue] = useState('');
  const [slug, setSlugValue] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);

  return {
    name,
    slug,
    setName(value: string) {
      setNameValue(value);
      if (!slugEdited) setSlugValue(slugify(value));
    },
    setSlug(value: string) {
      setSlugEdited(value !== '');
      setSlugValue(value);
    },
    reset() {
      setNameValue('');
      setSlugValue('');
      setSlugEdited(false);
    },
  };
}

export type NameAndSlug = ReturnType<typeof useNameAndSlug>;
